import { describe, expect, it } from 'vitest';
import { createPSObject, ExopsErrorCode, PSObject } from '@exops/contracts';
import type { AccessToken, CommandStreamEvent, HttpRequest, HttpResponse, HttpTransport } from '@exops/contracts';
import { serializeClixmlDocument } from '@exops/psrp';
import { parseClaimsChallenge, RestTransport } from './rest-transport.js';

const token: AccessToken = { token: 'tok-1', expiresOn: new Date(Date.now() + 3600_000), user: 'admin@contoso.com', tenantId: 'tid', scopes: [], kind: 'delegated', clientId: 'c' };
const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({ status, headers, body: Buffer.from(JSON.stringify(body)), url: '' });
const page = (names: string[], next?: string, warnings: string[] = []): HttpResponse =>
  json(200, {
    value: [{ _clixml: serializeClixmlDocument(names.map((n) => createPSObject({ Name: n }, ['Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox']))) }],
    ...(next === undefined ? {} : { '@odata.nextLink': next }),
    '@adminapi.warnings': warnings,
  });

class ScriptedHttp implements HttpTransport {
  readonly requests: HttpRequest[] = [];
  constructor(private readonly answers: (HttpResponse | Error)[]) {}
  request(request: HttpRequest): Promise<HttpResponse> {
    this.requests.push(request);
    const next = this.answers.shift();
    if (next === undefined) return Promise.reject(new Error('no more answers'));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function collect(it: AsyncIterable<CommandStreamEvent>): Promise<CommandStreamEvent[]> {
  const out: CommandStreamEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const names = (events: CommandStreamEvent[]): string[] => events.filter((e) => e.type === 'output').map((e) => ((e as { value: PSObject }).value.get('Name') as string));

describe('RestTransport', () => {
  it('sends the module headers and body, and follows nextLink page by page', async () => {
    const more = 'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';
    const http = new ScriptedHttp([page(['a', 'b'], 'https://x/adminapi/beta/tid/InvokeCommand?$skiptoken=1', [more]), page(['c'], undefined, ['real warning'])]);
    const t = new RestTransport({ http, baseUrl: 'https://x/', renewToken: () => Promise.resolve(token), pageSize: 2 });
    const events = await collect(t.invoke({ cmdlet: 'Get-Mailbox', parameters: { ResultSize: 'Unlimited' } }, token));
    expect(names(events)).toEqual(['a', 'b', 'c']);
    expect(events.filter((e) => e.type === 'warning')).toEqual([{ type: 'warning', message: 'real warning' }]);
    const [first, second] = http.requests;
    expect(first!.url).toBe('https://x/adminapi/beta/tid/InvokeCommand');
    expect(first!.headers).toMatchObject({ authorization: 'Bearer tok-1', 'x-cmdletname': 'Get-Mailbox', prefer: 'odata.maxpagesize=2', 'x-anchormailbox': 'UPN:admin@contoso.com', 'x-responseformat': 'clixml' });
    expect(JSON.parse(String(first!.body))).toEqual({ CmdletInput: { CmdletName: 'Get-Mailbox', Parameters: { ResultSize: 'Unlimited' } } });
    expect(second!.url).toContain('$skiptoken=1');
    expect(second!.body).toBe(first!.body);
    expect(second!.headers!['client-request-id']).toBe(first!.headers!['client-request-id']);
  });

  it('uses the delegated organization in the URL', () => {
    const t = new RestTransport({ http: new ScriptedHttp([]), baseUrl: 'https://x', organization: 'fabrikam.com', renewToken: () => Promise.resolve(token) });
    expect(t.invokeCommandUrl(token)).toBe('https://x/adminapi/beta/fabrikam.com/InvokeCommand');
  });

  it('waits Retry-After on 429 and retries 503', async () => {
    const http = new ScriptedHttp([json(429, {}, { 'retry-after': '0' }), json(503, {}), page(['a'])]);
    const waits: number[] = [];
    const t = new RestTransport({ http, baseUrl: 'https://x', renewToken: () => Promise.resolve(token), retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 5 }, onRetry: (i) => waits.push(i.delayMs) });
    expect(names(await collect(t.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, token)))).toEqual(['a']);
    expect(waits[0]).toBe(0);
    expect(http.requests).toHaveLength(3);
  });

  it('gives up after the retries with the reason and the count', async () => {
    const http = new ScriptedHttp(Array.from({ length: 3 }, () => json(429, {})));
    const t = new RestTransport({ http, baseUrl: 'https://x', renewToken: () => Promise.resolve(token), retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    await expect(collect(t.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, token))).rejects.toMatchObject({ code: ExopsErrorCode.EXO_THROTTLED, message: expect.stringContaining('Maximum retry count reached: 3 tries') });
  });

  it('renews the token once with the claims of a 401 challenge', async () => {
    const claims = Buffer.from('{"access_token":{"nbf":{"essential":true}}}').toString('base64');
    const http = new ScriptedHttp([json(401, {}, { 'www-authenticate': `Bearer realm="", error="insufficient_claims", claims="${claims}"` }), page(['a'])]);
    const seen: (string | undefined)[] = [];
    const t = new RestTransport({ http, baseUrl: 'https://x', renewToken: (c) => { seen.push(c); return Promise.resolve({ ...token, token: 'tok-2' }); } });
    expect(names(await collect(t.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, token)))).toEqual(['a']);
    expect(seen).toEqual(['{"access_token":{"nbf":{"essential":true}}}']);
    expect(http.requests[1]!.headers!['authorization']).toBe('Bearer tok-2');
    expect(parseClaimsChallenge(undefined)).toBeUndefined();
  });

  it('says how far a stream got when a later page fails for good', async () => {
    const http = new ScriptedHttp([page(['a', 'b'], 'https://x/next'), json(400, { error: { details: [{ message: 'E|C|gone' }] } })]);
    const t = new RestTransport({ http, baseUrl: 'https://x', renewToken: () => Promise.resolve(token) });
    await expect(collect(t.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, token))).rejects.toMatchObject({
      code: ExopsErrorCode.EXO_STREAM_INTERRUPTED,
      details: { received: 2, pages: 1 },
    });
  });

  it('surfaces per-object errors and reads the json format', async () => {
    const http = new ScriptedHttp([json(200, { value: [{ Name: 'a', Count: 5, Big: 9007199254740993 }], '@adminapi.errors': [{ code: 13, message: 'NotFound|Ex|missing one' }] })]);
    const t = new RestTransport({ http, baseUrl: 'https://x', renewToken: () => Promise.resolve(token), responseFormat: 'json' });
    const events = await collect(t.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, token));
    expect(names(events)).toEqual(['a']);
    expect(events.find((e) => e.type === 'error')).toMatchObject({ record: { message: 'missing one', category: 'ObjectNotFound' } });
  });

  it('refuses a body that is not JSON with the cause', async () => {
    const http = new ScriptedHttp([{ status: 200, headers: {}, body: Buffer.from('<html>proxy</html>'), url: '' }]);
    const t = new RestTransport({ http, baseUrl: 'https://x', renewToken: () => Promise.resolve(token) });
    await expect(collect(t.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, token))).rejects.toMatchObject({ code: ExopsErrorCode.EXO_SERVICE, remedy: expect.stringContaining('proxy') });
  });
});
