import { deserializeClixml, parseClixmlDocument, createClixmlStreamParser, Defragmenter } from '@exops/psrp';
import { parseWsmanResponse, parseWsmanRequest } from '@exops/wsman';
import { jsonToPSValue, parseRestErrorResponse } from '@exops/exo-client';
import { parsePowerShellValue, bindArguments, tokenizeCommandLine } from '@exops/cli';
function t(name, f) { const s = performance.now(); let r; try { f(); r = 'ok'; } catch (e) { r = (e.code ?? e.constructor.name) + ': ' + String(e.message).slice(0, 120); } console.log(name, (performance.now()-s).toFixed(1)+'ms', r); }
const deep = (n) => '<Obj RefId="0"><LST>'.repeat(1) + '<Obj><LST>'.repeat(n) ;
const nest = '<a>'.repeat(100000) + '</a>'.repeat(100000);
const attrs = '<Obj ' + Array.from({length:100000},(_, i)=>`a${i}="1"`).join(' ') + '/>';
const big = '<S>' + 'x'.repeat(50*1024*1024) + '</S>';
const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><S>&lol2;</S>';
const ext = '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><S>&xxe;</S>';
const pent = '<!DOCTYPE foo [<!ENTITY % p SYSTEM "http://x/"> %p;]><S/>';
const env = (body) => `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${body}</s:Body></s:Envelope>`;
for (const [n, x] of Object.entries({ nest, attrs, big, laughs, ext, pent })) {
  t('deser '+n, () => deserializeClixml(x));
  t('doc '+n, () => parseClixmlDocument(x.startsWith('<S') ? '<Objs>'+x+'</Objs>' : x));
  t('stream '+n, () => { const p = createClixmlStreamParser(); p.push(x); p.end(); });
  const e = x.startsWith('<?xml') || x.startsWith('<!') ? x : env(x);
  t('wsresp '+n, () => parseWsmanResponse(e));
  t('wsreq '+n, () => parseWsmanRequest(e));
}
t('attrs-env', () => parseWsmanResponse(env('<a ' + Array.from({length:100000},(_, i)=>`a${i}="1"`).join(' ') + '/>')));
t('deep json', () => jsonToPSValue(JSON.parse('['.repeat(100000)+']'.repeat(100000))));
t('rest err null', () => parseRestErrorResponse({ status: 500, headers: {}, body: Buffer.from('{"error":null}') }, 'Get-X'));
t('ps deep', () => parsePowerShellValue('@('.repeat(20000)));
t('ps deep2', () => parsePowerShellValue('@('.repeat(20000) + ')'.repeat(20000)));
t('ps proto', () => console.log(JSON.stringify(parsePowerShellValue("@{__proto__=@{a=1}}")), Object.getPrototypeOf(parsePowerShellValue("@{__proto__=@{a=1}}"))));
t('bind proto', () => console.log(bindArguments(['-__proto__', 'x'])));
t('bigint', () => parsePowerShellValue('9'.repeat(200000)));
t('defrag 4GB', () => { const d = new Defragmenter(); const h = Buffer.alloc(21); h.writeBigUInt64BE(1n,0); h[16]=3; h.writeUInt32BE(0xffffffff,17); d.push(h); d.push(Buffer.alloc(100)); });
