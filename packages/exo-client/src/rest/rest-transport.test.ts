import { describe, expect, it } from 'vitest';
import { createEmulatorEnvironment, createPSObject, ExopsErrorCode, PSObject } from '@exops/contracts';
import type { AccessToken, CommandStreamEvent, HttpRequest, HttpResponse, HttpTransport } from '@exops/contracts';
import { ExoSession } from '../session.js';
import type { BulkResult } from '../session.js';
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

const notFound = (identity: string): { error: unknown } => ({
  error: { code: 'NotFound', message: 'x', details: [{ code: 13, target: identity, message: `8F2D|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object '${identity}' couldn't be found.` }] },
});
const batchAnswer = (responses: { id: string; status: number; body: unknown }[]): HttpResponse => json(200, { responses: responses.map((r) => ({ ...r, headers: {} })) });
const mailboxPage = (name: string, warnings: string[] = []): unknown => JSON.parse(Buffer.from(page([name], undefined, warnings).body).toString('utf8')) as unknown;
interface BatchBody {
  requests: { id: string; url: string; method: string; body: unknown; headers: Record<string, string> }[];
}
const batchBody = (request: HttpRequest | undefined): BatchBody => JSON.parse(String(request?.body)) as BatchBody;

describe('RestTransport.invokeBatch', () => {
  it('posts one $batch with the connection headers and each command in its item', async () => {
    const http = new ScriptedHttp([batchAnswer([{ id: '0', status: 200, body: mailboxPage('a') }, { id: '1', status: 200, body: mailboxPage('b') }])]);
    const t = new RestTransport({ http, baseUrl: 'https://x/', renewToken: () => Promise.resolve(token), pageSize: 50 });
    const results = await t.invokeBatch(
      [
        { cmdlet: 'Set-Mailbox', parameters: { Identity: 'a@contoso.com', Office: '1' } },
        { cmdlet: 'Get-Mailbox', parameters: { Identity: 'b@contoso.com' } },
      ],
      token,
    );
    expect(results.map((r) => names([...r.events]))).toEqual([['a'], ['b']]);
    expect(http.requests).toHaveLength(1);
    const [request] = http.requests;
    expect(request!.url).toBe('https://x/adminapi/beta/tid/$batch');
    expect(request!.headers).toMatchObject({ authorization: 'Bearer tok-1', prefer: 'odata.continue-on-error', 'connection-id': t.connectionId, 'x-responseformat': 'clixml' });
    expect(request!.headers!['client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(request!.headers!['x-cmdletname']).toBeUndefined();
    const body = batchBody(request);
    expect(body.requests.map((r) => [r.id, r.url, r.method])).toEqual([
      ['0', 'https://x/adminapi/beta/tid/InvokeCommand', 'POST'],
      ['1', 'https://x/adminapi/beta/tid/InvokeCommand', 'POST'],
    ]);
    expect(body.requests[0]!.body).toEqual({ CmdletInput: { CmdletName: 'Set-Mailbox', Parameters: { Identity: 'a@contoso.com', Office: '1' } } });
    expect(body.requests[0]!.headers).toMatchObject({ 'x-cmdletname': 'Set-Mailbox', prefer: 'odata.maxpagesize=50' });
    expect(body.requests[1]!.headers['x-anchormailbox']).toBeDefined();
    expect(body.requests[1]!.headers['x-cmdletname']).toBe('Get-Mailbox');
  });

  it('maps each item as a single call: warnings, error records, task errors and typed failures', async () => {
    const http = new ScriptedHttp([
      batchAnswer([
        { id: '3', status: 429, body: { error: { code: 'TooManyRequests', message: 'slow down' } } },
        { id: '0', status: 200, body: mailboxPage('a', ['careful']) },
        { id: '1', status: 200, body: { value: [], '@adminapi.errors': [{ code: 13, message: 'NotFound|Ex|missing one' }] } },
        { id: '2', status: 404, body: notFound('nobody') },
      ]),
    ]);
    const t = new RestTransport({ http, baseUrl: 'https://x', renewToken: () => Promise.resolve(token) });
    const results = await t.invokeBatch(['a', 'b', 'nobody', 'd', 'e'].map((id) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity: id } })), token);
    expect(results[0]).toEqual({ events: [{ type: 'warning', message: 'careful' }, expect.objectContaining({ type: 'output' })] });
    expect(results[1]!.events).toEqual([expect.objectContaining({ type: 'error', record: expect.objectContaining({ message: 'missing one', category: 'ObjectNotFound' }) })]);
    expect(results[2]!.error).toBeUndefined();
    expect(results[2]!.events).toEqual([expect.objectContaining({ type: 'error', record: expect.objectContaining({ targetName: 'nobody', category: 'ObjectNotFound' }) })]);
    expect(results[3]).toMatchObject({ events: [], error: { code: ExopsErrorCode.EXO_THROTTLED } });
    expect(results[4]).toMatchObject({ events: [], error: { code: ExopsErrorCode.EXO_SERVICE, message: expect.stringContaining('request 4 (Set-Mailbox)') } });
    expect(http.requests).toHaveLength(1);
  });

  it('retries a throttled batch as a whole after Retry-After, and refuses more than 10 commands', async () => {
    const http = new ScriptedHttp([json(429, {}, { 'retry-after': '0' }), json(503, {}), batchAnswer([{ id: '0', status: 200, body: mailboxPage('a') }])]);
    const waits: number[] = [];
    const t = new RestTransport({ http, baseUrl: 'https://x', renewToken: () => Promise.resolve(token), retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 5 }, onRetry: (i) => waits.push(i.delayMs) });
    const results = await t.invokeBatch([{ cmdlet: 'Get-Mailbox', parameters: {} }], token);
    expect(names([...results[0]!.events])).toEqual(['a']);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBe(0);
    expect(http.requests).toHaveLength(3);
    expect(http.requests[2]!.body).toBe(http.requests[0]!.body);
    expect(http.requests[2]!.headers!['client-request-id']).toBe(http.requests[0]!.headers!['client-request-id']);
    await expect(t.invokeBatch(Array.from({ length: 11 }, () => ({ cmdlet: 'Get-Mailbox', parameters: {} })), token)).rejects.toMatchObject({ code: ExopsErrorCode.INVALID_ARGUMENT });
    const failing = new RestTransport({ http: new ScriptedHttp([json(429, {}), json(429, {})]), baseUrl: 'https://x', renewToken: () => Promise.resolve(token), retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await expect(failing.invokeBatch([{ cmdlet: 'Get-Mailbox', parameters: {} }], token)).rejects.toMatchObject({ code: ExopsErrorCode.EXO_THROTTLED, message: expect.stringContaining('2 tries') });
  });
});

/** Answers InvokeCommand and $batch from the request: each Set-Mailbox echoes its Identity; `bad` is not found. */
class EchoHttp implements HttpTransport {
  readonly urls: string[] = [];
  readonly batchSizes: number[] = [];
  async request(request: HttpRequest): Promise<HttpResponse> {
    this.urls.push(request.url);
    // Later batches answer first, so that results come back out of order.
    await new Promise((r) => setTimeout(r, 40 - this.urls.length * 10));
    const answer = (body: { CmdletInput: { Parameters: { Identity: string } } }): { status: number; body: unknown } => {
      const identity = body.CmdletInput.Parameters.Identity;
      return identity === 'bad' ? { status: 404, body: notFound(identity) } : { status: 200, body: mailboxPage(identity) };
    };
    if (request.url.endsWith('/$batch')) {
      const { requests } = batchBody(request);
      this.batchSizes.push(requests.length);
      return batchAnswer(requests.map((r) => ({ id: r.id, ...answer(r.body as { CmdletInput: { Parameters: { Identity: string } } }) })));
    }
    const single = answer(JSON.parse(String(request.body)) as { CmdletInput: { Parameters: { Identity: string } } });
    return json(single.status, single.body);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('ExoSession.invokeMany with batch', () => {
  const connect = (http: HttpTransport): Promise<ExoSession> =>
    ExoSession.connect({
      environment: createEmulatorEnvironment('https://127.0.0.1:1'),
      transport: 'rest',
      http,
      tokenProvider: { flow: 'static', expectedUser: 'admin@contoso.com', getToken: () => Promise.resolve(token) },
      createTransport: (_kind, context) => new RestTransport({ http: context.http, baseUrl: 'https://x', renewToken: () => Promise.resolve(token) }),
    });

  it('groups into batches of 10, sends a Confirm command alone, and keeps each original index', async () => {
    const http = new EchoHttp();
    const session = await connect(http);
    const identities = Array.from({ length: 23 }, (_, i) => (i === 7 ? 'bad' : `m${i}`));
    const commands = identities.map((Identity, i) => ({ cmdlet: 'Set-Mailbox', parameters: i === 12 ? { Identity, Confirm: false } : { Identity } }));
    const results: BulkResult[] = [];
    for await (const r of session.invokeMany(commands, { concurrency: 3, batch: true })) results.push(r);
    await session.close();
    expect(http.batchSizes).toEqual([10, 2, 10]);
    expect(http.urls.filter((u) => u.endsWith('/InvokeCommand'))).toHaveLength(1);
    expect(results.map((r) => r.index)).not.toEqual([...results.map((r) => r.index)].sort((a, b) => a - b));
    const byIndex = [...results].sort((a, b) => a.index - b.index);
    expect(byIndex.map((r) => r.index)).toEqual(identities.map((_, i) => i));
    for (const r of byIndex) {
      if (r.index === 7) expect(r).toMatchObject({ output: [], errors: [{ targetName: 'bad' }] });
      else expect(((r.output[0] as PSObject).get('Name'))).toBe(identities[r.index]);
      expect(r.error).toBeUndefined();
    }
  });

  it('without batch sends one request per command', async () => {
    const http = new EchoHttp();
    const session = await connect(http);
    const results: BulkResult[] = [];
    for await (const r of session.invokeMany(['a', 'b', 'c'].map((Identity) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity } })), { concurrency: 2 })) results.push(r);
    await session.close();
    expect(http.batchSizes).toEqual([]);
    expect(http.urls).toHaveLength(3);
    expect(results.map((r) => r.index).sort()).toEqual([0, 1, 2]);
  });
});
