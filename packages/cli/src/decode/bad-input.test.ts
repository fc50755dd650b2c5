import { buildFragment, encodeMessage, guidToBytes } from '@exops/psrp';
import { loadPsrpcoreOracle, loadPypsrpRecording } from '@exops/test-vectors';
import { describe, expect, it } from 'vitest';
import { jsonLines, runDecodeInMemory, type DecodeRun } from './test-support/run.js';

const oracle = loadPsrpcoreOracle();
const fragmentedChunks = (oracle['client_fragmented_create_pipeline'].chunks as { base64: string }[]).map((c) => c.base64);
const openRunspace = loadPypsrpRecording('test_psrp_open_runspace.yml').exchanges.flatMap((e) => [e.request, e.response]);

/** Exit code 2, exactly one `error:` line, first on stderr, naming the input and containing each fragment. */
function expectBadInput(run: DecodeRun, file: string, ...mentions: (string | RegExp)[]): string {
  expect(run.exitCode).toBe(2);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines.filter((l) => l.startsWith('error:')).length).toBe(1);
  const line = lines[0]!;
  expect(line.startsWith(`error: ${file}`), line).toBe(true);
  for (const m of mentions) {
    if (typeof m === 'string') expect(line).toContain(m);
    else expect(line).toMatch(m);
  }
  // The fix follows the error line.
  expect(lines[1]).toMatch(/^ {2}fix: \S/);
  return line;
}

function fragmentOf(messageType: 'PIPELINE_OUTPUT' | 'SESSION_CAPABILITY', body: string, objectId = 1n): Uint8Array {
  const message = encodeMessage({ destination: 1, messageType, rpid: guidToBytes('76056a84-51dc-4f24-9262-ca2a55464b2b'), data: body });
  return buildFragment({ objectId, fragmentId: 0n, start: true, end: true, blob: message });
}

describe('bad input: one error line, exit code 2, and everything before it still printed', () => {
  it('text that is no capture at all', async () => {
    const run = await runDecodeInMemory({ files: ['notes.txt'] }, { 'notes.txt': 'hello, world\n' });
    expectBadInput(run, 'notes.txt', 'not XML, CLIXML, a pypsrp YAML recording or base64', '"hello, world"');
    expect(run.stdout).toBe('');
  });

  it('malformed XML in the third envelope of a file: the first two are decoded, the line is that of the whole file', async () => {
    const broken = openRunspace[2]!.replace('</s:Header>', '</s:Heeder>');
    const text = [openRunspace[0], openRunspace[1], broken].join('\n');
    const run = await runDecodeInMemory({ files: ['capture.xml'], json: true }, { 'capture.xml': text });
    expectBadInput(run, 'capture.xml', 'envelope 3 (line 3)', 'not well-formed XML', /line 3, column \d+/);
    expect(jsonLines(run.stdout).map((l) => l['messageType'])).toEqual(['SESSION_CAPABILITY', 'INIT_RUNSPACEPOOL']);
  });

  it('an envelope cut off at the end of the file', async () => {
    const text = `${openRunspace[0]}\n${openRunspace[1]!.slice(0, 500)}`;
    const run = await runDecodeInMemory({ files: ['cut.xml'], json: true }, { 'cut.xml': text });
    expectBadInput(run, 'cut.xml', 'envelope 2 (line 2) is truncated');
    expect(jsonLines(run.stdout).length).toBe(2);
  });

  it('XML that is neither an envelope nor CLIXML', async () => {
    const run = await runDecodeInMemory({ files: ['page.html'] }, { 'page.html': '<html><body/></html>' });
    expectBadInput(run, 'page.html', 'root element <html>');
  });

  it('a message whose last fragment never arrives: the error names the end of the capture and the ObjectId', async () => {
    const files = Object.fromEntries(fragmentedChunks.slice(0, 3).map((c, i) => [`frag${i}.b64`, c]));
    const run = await runDecodeInMemory({ files: Object.keys(files) }, files);
    expectBadInput(run, 'end of the capture', 'client→server', 'frag2.b64', 'ObjectId 3 is missing FragmentId 3');
  });

  it('a fragment cut short inside a blob', async () => {
    const cut = Buffer.from(fragmentedChunks[0]!, 'base64').subarray(0, 300);
    const run = await runDecodeInMemory({ files: ['cut.bin'] }, { 'cut.bin': new Uint8Array(cut) });
    expectBadInput(run, 'cut.bin', 'declares 379 data bytes but only 279 follow');
  });

  it('a Receive response missing from a recording: fragments out of order, messages before it kept', async () => {
    const rec = loadPypsrpRecording('test_client_fetch_file.yml');
    const envelopes = rec.exchanges.flatMap((e) => [e.request, e.response]);
    const firstMultiFragment = envelopes.findIndex((e) => e.includes('ReceiveResponse') && (e.match(/<rsp:Stream /g) ?? []).length > 2);
    expect(firstMultiFragment).toBeGreaterThan(0);
    const files: Record<string, string> = {};
    envelopes.forEach((e, i) => {
      if (i !== firstMultiFragment) files[`${String(i).padStart(2, '0')}.xml`] = e;
    });
    const full = await runDecodeInMemory({ files: envelopes.map((_, i) => `${String(i).padStart(2, '0')}.xml`), json: true }, Object.fromEntries(envelopes.map((e, i) => [`${String(i).padStart(2, '0')}.xml`, e])));
    expect(full.exitCode).toBe(0);
    const run = await runDecodeInMemory({ files: Object.keys(files), json: true }, files);
    expectBadInput(run, '', /(Out-of-order|Start fragment never arrived|Duplicate)/);
    expect(run.stdout.length).toBeGreaterThan(0);
    expect(full.stdout.startsWith(run.stdout)).toBe(true);
  });

  it('a CLIXML document with a bad element after a good object: the good object is printed', async () => {
    const doc = '<Objs xmlns="http://schemas.microsoft.com/powershell/2004/04"><S>first</S><Foo>1</Foo></Objs>';
    const run = await runDecodeInMemory({ files: ['doc.xml'], json: true }, { 'doc.xml': doc });
    expectBadInput(run, 'doc.xml', 'line 1, column', '<Foo>');
    expect(jsonLines(run.stdout)).toEqual([{ data: 'first' }]);
  });

  it('a truncated CLIXML document', async () => {
    const run = await runDecodeInMemory({ files: ['doc.xml'], json: true }, { 'doc.xml': '#< CLIXML\n<Objs xmlns="http://schemas.microsoft.com/powershell/2004/04">\n<S>a</S>\n<Obj RefId="0"><MS>' });
    expectBadInput(run, 'doc.xml', 'truncated');
    expect(jsonLines(run.stdout)).toEqual([{ data: 'a' }]);
  });

  it('a PSRP message whose CLIXML body is malformed: the message before it is printed', async () => {
    const good = fragmentOf('PIPELINE_OUTPUT', '<S>ok</S>', 1n);
    const bad = fragmentOf('PIPELINE_OUTPUT', '<S>unclosed', 2n);
    const run = await runDecodeInMemory({ files: ['msgs.bin'], json: true }, { 'msgs.bin': new Uint8Array(Buffer.concat([good, bad])) });
    expectBadInput(run, 'msgs.bin', 'PIPELINE_OUTPUT body');
    expect(jsonLines(run.stdout).map((l) => l['data'])).toEqual(['ok']);
  });

  it('a fragment whose message has an unknown type', async () => {
    const fragment = fragmentOf('SESSION_CAPABILITY', '<S/>');
    fragment.set([0x99, 0x99], 21 + 4);
    const run = await runDecodeInMemory({ files: ['odd.bin'] }, { 'odd.bin': fragment });
    expectBadInput(run, 'odd.bin', 'Unknown PSRP message type 0x00019999');
  });

  it('base64 that is not fragments, binary that is not fragments, and an empty file', async () => {
    const base64 = Buffer.from('this is not a PSRP fragment, only text').toString('base64');
    expectBadInput(await runDecodeInMemory({ files: ['x.b64'] }, { 'x.b64': base64 }), 'x.b64', 'base64 text that decodes to 38 bytes', '74 68 69 73');
    expectBadInput(await runDecodeInMemory({ files: ['words.txt'] }, { 'words.txt': 'not a capture' }), 'words.txt', 'text that is not XML');
    expectBadInput(await runDecodeInMemory({ files: ['x.bin'] }, { 'x.bin': new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 1, 2]) }), 'x.bin', 'binary data', 'de ad be ef');
    expectBadInput(await runDecodeInMemory({ files: ['empty.xml'] }, { 'empty.xml': '' }), 'empty.xml', 'empty');
  });

  it('an object that <Ref> reuse makes expand past the print limit (a "billion laughs" shape)', async () => {
    let inner = '<Obj N="a" RefId="1"><MS><S N="v">leaf</S></MS></Obj><Ref N="b" RefId="1" />';
    for (let i = 2; i < 40; i++) inner = `<Obj N="a" RefId="${i}"><MS>${inner}</MS></Obj><Ref N="b" RefId="${i}" />`;
    const doc = `<Objs xmlns="http://schemas.microsoft.com/powershell/2004/04">\n<S>first</S>\n<Obj RefId="0"><MS>${inner}</MS></Obj>\n</Objs>`;
    const run = await runDecodeInMemory({ files: ['bomb.xml'], json: true }, { 'bomb.xml': doc });
    expectBadInput(run, 'bomb.xml, object 2', 'expands to more than 2000000 values');
    expect(jsonLines(run.stdout)).toEqual([{ data: 'first' }]);
  });

  it('a YAML file without messages, and YAML that does not parse', async () => {
    expectBadInput(await runDecodeInMemory({ files: ['r.yml'] }, { 'r.yml': 'messages: 3\n' }), 'r.yml', 'without a "messages:" list');
    expectBadInput(await runDecodeInMemory({ files: ['r.yml'] }, { 'r.yml': 'messages:\n- request: [unclosed\n' }), 'r.yml', 'not a readable YAML recording');
  });

  it('a file that does not exist, after one that does: the first is printed', async () => {
    const run = await runDecodeInMemory({ files: ['a.b64', 'missing.xml'], json: true }, { 'a.b64': fragmentedChunks.join('\n') });
    expectBadInput(run, 'missing.xml', 'cannot read the capture: no such file');
    expect(jsonLines(run.stdout).map((l) => l['messageType'])).toEqual(['CREATE_PIPELINE']);
  });

  it('no file and a terminal on stdin; stdin named twice', async () => {
    expectBadInput(await runDecodeInMemory({ files: [] }, {}, { stdinIsTerminal: true }), 'exops decode: no input');
    expectBadInput(await runDecodeInMemory({ files: ['-', '-'] }, {}, { stdin: fragmentedChunks.join('\n') }), 'exops decode: "-" (stdin) is named twice');
  });

  it('stdin without files is read when it is not a terminal', async () => {
    const run = await runDecodeInMemory({ files: [], json: true }, {}, { stdin: fragmentedChunks.join('\n') });
    expect(run.exitCode).toBe(0);
    expect(jsonLines(run.stdout).map((l) => l['messageType'])).toEqual(['CREATE_PIPELINE']);
  });
});
