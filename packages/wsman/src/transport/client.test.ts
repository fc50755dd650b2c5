import { afterEach, describe, expect, it } from 'vitest';
import { ExopsError, ExopsErrorCode, type HttpTransport } from '@exops/contracts';
import { loadPypsrpRecording } from '@exops/test-vectors';
import {
  WsmanFaultCode,
  WsmanFaultError,
  WsmanSignalCode,
  buildCreateResponse,
  buildDeleteResponse,
  buildEnumerateResponse,
  buildFaultResponse,
  buildGetConfigResponse,
  buildInvalidSelectorsFault,
  buildQuotaLimitFault,
  buildReceiveResponse,
  buildSignalResponse,
  buildTimedOutFault,
  type ParsedWsmanRequest,
} from '../protocol/index.js';
import { WSMAN_USER_AGENT, WsmanClient, type WsmanClientOptions } from './client.js';
import { createUndiciHttpTransport } from './undici-transport.js';
import { answering, startScriptedWsmanServer, type ScriptStep, type ScriptedWsmanServer } from './test-support/scripted-wsman-server.js';
import { startTestServer } from './test-support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A JWT-shaped token made at test time (never a fixture on disk). */
function fakeJwt(seed: string): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ upn: 'admin@contoso.com', seed })}.${Buffer.from(`sig-${seed}`).toString('base64url')}`;
}

function rpsHeader(token: string): string {
  return `Basic ${Buffer.from(`admin@contoso.com:Bearer ${token}`).toString('base64')}`;
}

async function scripted(steps: readonly ScriptStep[]): Promise<ScriptedWsmanServer> {
  const s = await startScriptedWsmanServer(steps);
  cleanups.push(() => s.close());
  return s;
}

function client(server: { url: string }, options: Partial<WsmanClientOptions> = {}): { client: WsmanClient; http: HttpTransport; tokens: string[] } {
  const http = createUndiciHttpTransport({ env: {} });
  cleanups.push(() => http.close());
  const tokens: string[] = [];
  const c = new WsmanClient({
    http,
    connectionUri: server.url,
    authorization: () => {
      const token = fakeJwt(String(tokens.length));
      tokens.push(token);
      return Promise.resolve(rpsHeader(token));
    },
    retryDelayMs: 1,
    ...options,
  });
  return { client: c, http, tokens };
}

async function failure(promise: Promise<unknown>): Promise<ExopsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExopsError);
    return error as ExopsError;
  }
  throw new Error('expected a failure');
}

const ok = (xml: string): { body: string } => ({ body: xml });
const fault = (xml: string): { status: number; body: string } => ({ status: 500, body: xml });
const ctx = (r: ParsedWsmanRequest): { relatesTo: string } => ({ relatesTo: r.header.messageId ?? '' });

describe('WsmanClient.receive', () => {
  it('sends the Receive again after recorded TimedOut faults (HTTP 500), then returns the output', async () => {
    const recording = loadPypsrpRecording('test_psrp_long_running_cmdlet.yml').exchanges;
    const timedOut1 = recording[4]?.response ?? '';
    const timedOut2 = recording[5]?.response ?? '';
    const output = recording[6]?.response ?? '';
    const server = await scripted([(r) => fault(answering(r, timedOut1)), (r) => fault(answering(r, timedOut2)), (r) => ok(answering(r, output))]);
    const { client: c, tokens } = client(server, { operationTimeoutSeconds: 5 });
    const commandId = '79590BBD-46E2-486A-85B0-70EA7049235E';
    const result = await c.receive('SHELL-1', commandId);
    expect(result.streams).toHaveLength(2);
    expect(result.streams[0]?.commandId).toBe(commandId);
    expect(result.streams[0]?.bytes.byteLength).toBeGreaterThan(21);
    expect(result.commandState?.state).toBe('Done');
    expect(result.commandState?.exitCode).toBe(0);
    expect(server.parsed.map((p) => p.kind)).toEqual(['receive', 'receive', 'receive']);
    for (const p of server.parsed) {
      expect(p.kind === 'receive' && p.commandId).toBe(commandId);
      expect(p.selectors['ShellId']).toBe('SHELL-1');
      expect(p.header.operationTimeout).toBe('PT5S');
      expect(p.header.sessionId?.replace(/^uuid:/i, '')).toBe(c.sessionId);
    }
    // The authorization callback runs per request, so each request carries the newest token.
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(tokens.map(rpsHeader));
    for (const r of server.requests) {
      expect(r.headers['content-type']).toBe('application/soap+xml;charset=UTF-8');
      expect(r.headers['transfer-encoding']).toBeUndefined();
      expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
      expect(r.headers['user-agent']).toBe(WSMAN_USER_AGENT);
    }
    expect(server.connections()).toBe(1);
  });

  it('stops looping when the signal aborts', async () => {
    const controller = new AbortController();
    const steps: ScriptStep[] = Array.from({ length: 10 }, (_, i) => (r: ParsedWsmanRequest) => {
      if (i === 2) controller.abort(new Error('stop'));
      return fault(buildTimedOutFault(ctx(r)).xml);
    });
    const server = await scripted(steps);
    const e = await failure(client(server).client.receive('SHELL-1', undefined, controller.signal));
    expect(e.code).toBe(ExopsErrorCode.ABORTED);
    expect(server.parsed.length).toBeLessThanOrEqual(3);
  });

  it('turns any other fault into a typed error', async () => {
    const server = await scripted([(r) => fault(buildInvalidSelectorsFault(ctx(r)).xml)]);
    const e = await failure(client(server).client.receive('GONE'));
    expect(e).toBeInstanceOf(WsmanFaultError);
    expect(e.code).toBe(ExopsErrorCode.WSMAN_SHELL_NOT_FOUND);
    expect((e as WsmanFaultError).fault.wsmanCode).toBe(WsmanFaultCode.InvalidSelectors);
  });

  it('does not repeat a Receive after a reset connection', async () => {
    const server = await scripted([() => ({ destroy: true }), (r) => ok(buildReceiveResponse(ctx(r), { streams: [] }).xml)]);
    const e = await failure(client(server).client.receive('SHELL-1'));
    expect(e.code).toBe(ExopsErrorCode.NETWORK);
    expect(server.parsed).toHaveLength(1);
  });
});

describe('WsmanClient.deleteShell', () => {
  it('succeeds on a DeleteResponse and on a shell-not-found fault, and fails on other faults', async () => {
    const server = await scripted([
      (r) => ok(buildDeleteResponse(ctx(r)).xml),
      (r) => fault(buildInvalidSelectorsFault(ctx(r)).xml),
      (r) => fault(buildFaultResponse(ctx(r), { code: 'Sender', subcode: 'AccessDenied', reason: 'Access is denied.', wsmanCode: 5 }).xml),
    ]);
    const { client: c } = client(server);
    await c.deleteShell('S');
    await c.deleteShell('S');
    const e = await failure(c.deleteShell('S'));
    expect(e.code).toBe(ExopsErrorCode.AUTH_ACCESS_DENIED);
    expect(server.parsed.map((p) => p.kind)).toEqual(['delete', 'delete', 'delete']);
  });

  it('is retried after a reset connection because deleting twice is harmless', async () => {
    const server = await scripted([() => ({ destroy: true }), (r) => ok(buildDeleteResponse(ctx(r)).xml)]);
    await client(server).client.deleteShell('S');
    expect(server.parsed).toHaveLength(2);
  });
});

describe('WsmanClient requests that are not safe to repeat', () => {
  it('does not retry a Create after a reset connection', async () => {
    const server = await scripted([() => ({ destroy: true }), (r) => ok(buildDeleteResponse(ctx(r)).xml)]);
    const e = await failure(client(server).client.createShell('AAAA'));
    expect(e.code).toBe(ExopsErrorCode.NETWORK);
    expect(server.parsed).toHaveLength(1);
  });

  it('retries Signal Terminate but not a stop signal', async () => {
    const server = await scripted([() => ({ destroy: true }), (r) => ok(buildSignalResponse(ctx(r)).xml), () => ({ destroy: true })]);
    const { client: c } = client(server);
    await c.signal('S', 'C', WsmanSignalCode.terminate);
    const e = await failure(c.signal('S', 'C', WsmanSignalCode.psrpStop));
    expect(e.code).toBe(ExopsErrorCode.NETWORK);
    expect(server.parsed.map((p) => p.kind === 'signal' && p.code)).toEqual([WsmanSignalCode.terminate, WsmanSignalCode.terminate, WsmanSignalCode.psrpStop]);
  });
});

describe('WsmanClient.createShell and faults', () => {
  it('creates a shell and sends creationXml with the session headers', async () => {
    const server = await scripted([
      (r) => ok(buildCreateResponse(ctx(r), { address: 'http://x/wsman', resourceUri: 'http://schemas.microsoft.com/powershell/Microsoft.Exchange', shell: { shellId: 'ABC' } }).xml),
    ]);
    const { client: c } = client(server, { maxEnvelopeSize: 153600, locale: 'de-DE' });
    const created = await c.createShell('AAAABBBB', { shellId: 'ABC', idleTimeOut: 900 });
    expect(created.shellId).toBe('ABC');
    const req = server.parsed[0];
    expect(req?.kind).toBe('create');
    expect(req?.kind === 'create' && req.creationXml).toBe('AAAABBBB');
    expect(req?.header.resourceUri).toBe('http://schemas.microsoft.com/powershell/Microsoft.Exchange');
    expect(req?.header.maxEnvelopeSize).toBe(153600);
    expect(req?.header.locale).toBe('de-DE');
    expect(req?.header.to).toBe(server.url);
  });

  it('parses a 500 fault body into a typed quota error', async () => {
    const server = await scripted([(r) => fault(buildQuotaLimitFault(ctx(r), { maxShellsPerUser: 3 }).xml)]);
    const e = await failure(client(server).client.createShell('AAAA'));
    expect(e).toBeInstanceOf(WsmanFaultError);
    expect(e.code).toBe(ExopsErrorCode.WSMAN_QUOTA);
    expect(e.remedy).toMatch(/sessions/);
  });

  it('maps 413 to an envelope-too-large error with a remedy', async () => {
    const server = await scripted([() => ({ status: 413, body: '' })]);
    const e = await failure(client(server).client.send('S', undefined, 'stdin', 'QUJD'));
    expect(e.code).toBe(ExopsErrorCode.WSMAN_ENVELOPE);
    expect(e.message).toContain('413');
    expect(e.remedy).toMatch(/MaxEnvelopeSizekb/);
  });

  it('maps other statuses to HTTP_STATUS with the redacted body text', async () => {
    const token = fakeJwt('echo');
    const server = await scripted([() => ({ status: 503, body: `<html><body><h1>Service Unavailable</h1><p>${token}</p></body></html>`, headers: { 'content-type': 'text/html' } })]);
    const e = await failure(client(server).client.getConfig());
    expect(e.code).toBe(ExopsErrorCode.HTTP_STATUS);
    expect(e.message).toContain('Service Unavailable');
    expect(JSON.stringify(e.toJSON())).not.toContain(token);
  });

  it('rejects a response that answers another request', async () => {
    const server = await scripted([() => ok(buildDeleteResponse({ relatesTo: 'uuid:00000000-0000-0000-0000-000000000000' }).xml)]);
    const e = await failure(client(server).client.deleteShell('S'));
    expect(e.code).toBe(ExopsErrorCode.WSMAN_ENVELOPE);
    expect(e.message).toMatch(/RelatesTo/);
  });

  it('reads the server configuration', async () => {
    const server = await scripted([(r) => ok(buildGetConfigResponse(ctx(r)).xml)]);
    const config = await client(server).client.getConfig();
    expect(config.maxEnvelopeSizeKb).toBe(500);
    expect(config.maxTimeoutMs).toBe(60000);
  });
});

describe('WsmanClient authentication failures', () => {
  it('turns a 401 into AUTH_ACCESS_DENIED with the server text and no token anywhere', async () => {
    let sent = '';
    const server = await scripted([
      (_r, raw) => {
        sent = raw.headers.authorization ?? '';
        const echoed = Buffer.from(sent.slice(6), 'base64').toString('utf8');
        return {
          status: 401,
          headers: { 'www-authenticate': 'Basic realm="outlook.office365.com"', 'x-ms-diagnostics': '2000007;reason="Access is denied."', 'content-type': 'text/html' },
          body: `<html><body>Access is denied. You sent ${echoed}</body></html>`,
        };
      },
    ]);
    const { client: c, tokens } = client(server);
    const e = await failure(c.createShell('AAAA'));
    expect(e.code).toBe(ExopsErrorCode.AUTH_ACCESS_DENIED);
    expect(e.message).toContain('Access is denied');
    expect(e.details?.['wwwAuthenticate']).toBe('Basic realm="outlook.office365.com"');
    expect(e.details?.['diagnostics']).toEqual({ 'x-ms-diagnostics': '2000007;reason="Access is denied."' });
    const everything = `${e.message} ${e.remedy ?? ''} ${JSON.stringify(e.details)} ${JSON.stringify(e.toJSON())}`;
    const token = tokens[0] ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(sent.slice(6));
    expect(e.remedy).toMatch(/RemotePowerShellEnabled/);
  });

  it('says AUTH_TOKEN_EXPIRED when the token expiry has passed, or the server says so', async () => {
    const server = await scripted([
      () => ({ status: 401, body: '' }),
      () => ({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token has expired"' }, body: '' }),
    ]);
    const http = createUndiciHttpTransport({ env: {} });
    cleanups.push(() => http.close());
    const expired = new WsmanClient({
      http,
      connectionUri: server.url,
      authorization: () => Promise.resolve({ value: rpsHeader(fakeJwt('old')), expiresOn: new Date(Date.now() - 1000), kind: 'rps-oauth' }),
    });
    expect((await failure(expired.deleteShell('S'))).code).toBe(ExopsErrorCode.AUTH_TOKEN_EXPIRED);
    const fresh = new WsmanClient({ http, connectionUri: server.url, authorization: () => Promise.resolve(rpsHeader(fakeJwt('new'))) });
    expect((await failure(fresh.deleteShell('S'))).code).toBe(ExopsErrorCode.AUTH_TOKEN_EXPIRED);
  });

  it('does not carry the credential across a cross-origin redirect and explains the 401 that follows', async () => {
    const target = await startTestServer((req, res) => {
      res.statusCode = req.headers.authorization === undefined ? 401 : 200;
      res.end();
    });
    cleanups.push(() => target.close());
    const origin = await scripted([() => ({ status: 302, headers: { location: `${target.origin}/wsman` } })]);
    const e = await failure(client(origin).client.deleteShell('S'));
    expect(e.code).toBe(ExopsErrorCode.AUTH_ACCESS_DENIED);
    expect(e.message).toMatch(/does not send them to another host/);
    expect(target.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe('WsmanClient.enumerateShells', () => {
  it('follows Pull until EndOfSequence', async () => {
    const server = await scripted([
      (r) => ok(buildEnumerateResponse(ctx(r), { shells: [{ shellId: 'A' }, { shellId: 'B' }], enumerationContext: 'ctx-1', endOfSequence: false }).xml),
      (r) => ok(buildEnumerateResponse(ctx(r), { shells: [{ shellId: 'C' }], enumerationContext: 'ctx-2', endOfSequence: false }).xml.replace(/EnumerateResponse/g, 'PullResponse')),
      (r) => ok(buildEnumerateResponse(ctx(r), { shells: [{ shellId: 'D' }], endOfSequence: true }).xml.replace(/EnumerateResponse/g, 'PullResponse')),
    ]);
    const shells = await client(server).client.enumerateShells();
    expect(shells.map((s) => s.shellId)).toEqual(['A', 'B', 'C', 'D']);
    expect(server.parsed.map((p) => p.kind)).toEqual(['enumerate', 'pull', 'pull']);
    expect(server.parsed.slice(1).map((p) => p.kind === 'pull' && p.enumerationContext)).toEqual(['ctx-1', 'ctx-2']);
  });

  it('reads a recorded EnumerateResponse of a real server', async () => {
    const recorded = loadPypsrpRecording('test_psrp_disconnect_runspaces.yml').exchanges[11]?.response ?? '';
    const server = await scripted([(r) => ok(answering(r, recorded))]);
    const shells = await client(server).client.enumerateShells();
    expect(shells.map((s) => s.state)).toEqual(['Disconnected', 'Disconnected']);
    expect(shells[0]?.shellId).toBe('B6631D8E-65A0-49F2-9053-A1B156C95777');
  });

  it('restarts the whole enumeration after a network failure', async () => {
    const server = await scripted([
      (r) => ok(buildEnumerateResponse(ctx(r), { shells: [{ shellId: 'A' }], enumerationContext: 'ctx-1', endOfSequence: false }).xml),
      () => ({ destroy: true }),
      (r) => ok(buildEnumerateResponse(ctx(r), { shells: [{ shellId: 'A' }, { shellId: 'B' }], endOfSequence: true }).xml),
    ]);
    const shells = await client(server).client.enumerateShells();
    expect(shells.map((s) => s.shellId)).toEqual(['A', 'B']);
    expect(server.parsed.map((p) => p.kind)).toEqual(['enumerate', 'pull', 'enumerate']);
  });
});

describe('WsmanClient redirects', () => {
  it('keeps using the endpoint a same-origin redirect moved it to', async () => {
    const server = await scripted([
      () => ({ status: 302, headers: { location: '/moved?PSVersion=5.1' } }),
      (r) => ok(buildDeleteResponse(ctx(r)).xml),
      (r) => ok(buildDeleteResponse(ctx(r)).xml),
    ]);
    const { client: c } = client(server);
    await c.deleteShell('S');
    await c.deleteShell('S');
    expect(server.requests.map((r) => r.url)).toEqual(['/wsman', '/moved?PSVersion=5.1', '/moved?PSVersion=5.1']);
    expect(c.endpoint).toBe(`${server.origin}/moved?PSVersion=5.1`);
    expect(server.parsed[2]?.header.to).toBe(`${server.origin}/moved?PSVersion=5.1`);
  });
});
