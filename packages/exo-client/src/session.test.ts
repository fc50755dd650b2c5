import { describe, expect, it } from 'vitest';
import { createEmulatorEnvironment, ExopsError, ExopsErrorCode } from '@exops/contracts';
import type { AccessToken, CmdletTransport, CommandInvocation, CommandStreamEvent, HttpTransport, TokenProvider, TokenRequest } from '@exops/contracts';
import { chooseTransport, ExoSession, resolveSessionEnvironment } from './session.js';

const env = createEmulatorEnvironment('https://127.0.0.1:1');
const noHttp: HttpTransport = { request: () => Promise.reject(new Error('no http')), close: () => Promise.resolve() };

function tokens(): TokenProvider & { requests: TokenRequest[] } {
  let n = 0;
  const requests: TokenRequest[] = [];
  return {
    flow: 'static',
    expectedUser: 'admin@contoso.com',
    requests,
    getToken: (request = {}) => {
      requests.push(request);
      if (request.forceRefresh === true) n += 1;
      const token: AccessToken = { token: `t${n}`, expiresOn: new Date(Date.now() + 3600_000), user: 'admin@contoso.com', tenantId: 'tid', scopes: [], kind: 'delegated', clientId: 'c' };
      return Promise.resolve(token);
    },
  };
}

/** A transport scripted per invocation: each script is a list of events, or an error to throw after them. */
class ScriptedTransport implements CmdletTransport {
  readonly kind = 'rps' as const;
  opened = 0;
  closed = 0;
  invocations: CommandInvocation[] = [];
  constructor(private readonly scripts: { events: CommandStreamEvent[]; error?: ExopsError; delayMs?: number }[]) {}
  open(): Promise<void> {
    this.opened += 1;
    return Promise.resolve();
  }
  async *invoke(invocation: CommandInvocation): AsyncGenerator<CommandStreamEvent> {
    this.invocations.push(invocation);
    const script = this.scripts.shift() ?? { events: [] };
    if (script.delayMs !== undefined) await new Promise((r) => setTimeout(r, script.delayMs));
    for (const e of script.events) yield e;
    if (script.error !== undefined) throw script.error;
  }
  close(): Promise<void> {
    this.closed += 1;
    return Promise.resolve();
  }
}

const out = (value: string): CommandStreamEvent => ({ type: 'output', value });
const lost = (): ExopsError => new ExopsError(ExopsErrorCode.EXO_SESSION_LOST, 'The shell was not found on the server.');

async function connect(transports: ScriptedTransport[], provider = tokens()): Promise<ExoSession> {
  return ExoSession.connect({ environment: env, tokenProvider: provider, http: noHttp, transport: 'rps', createTransport: () => transports.shift()! });
}

describe('ExoSession', () => {
  it('chooses REST for the clouds and RPS for an explicit PowerShell URI', () => {
    const worldwide = resolveSessionEnvironment({ tokenProvider: tokens() });
    expect(chooseTransport({}, worldwide)).toBe('rest');
    expect(chooseTransport({ connectionUri: 'https://outlook.office365.com/powershell-liveid/' }, worldwide)).toBe('rps');
    expect(chooseTransport({}, resolveSessionEnvironment({ tokenProvider: tokens(), environment: 'O365GermanyCloud' }))).toBe('rps');
  });

  it('streams output and routes records to events, non-terminating errors included', async () => {
    const t = new ScriptedTransport([{ events: [out('a'), { type: 'warning', message: 'w' }, { type: 'error', record: { message: 'e', fullyQualifiedErrorId: undefined, category: undefined, targetName: undefined, exceptionType: undefined } }, out('b')] }]);
    const session = await connect([t]);
    const warnings: string[] = [];
    session.on('warning', (m) => warnings.push(m));
    const values: unknown[] = [];
    for await (const v of session.invoke('Get-Mailbox', { ResultSize: 2 })) values.push(v);
    expect(values).toEqual(['a', 'b']);
    expect(warnings).toEqual(['w']);
    expect(t.invocations[0]).toMatchObject({ cmdlet: 'Get-Mailbox', parameters: { ResultSize: 2 } });
    await session.close();
  });

  it('asks for a token with margin before every command', async () => {
    const provider = tokens();
    const session = await connect([new ScriptedTransport([{ events: [] }, { events: [] }])], provider);
    await session.invokeAll('Get-User');
    await session.invokeAll('Get-User');
    expect(provider.requests.filter((r) => r.minValiditySeconds === 300)).toHaveLength(3);
    await session.close();
  });

  it('reopens a dropped shell once, with a fresh token, and says so', async () => {
    const first = new ScriptedTransport([{ events: [], error: lost() }]);
    const second = new ScriptedTransport([{ events: [out('x')] }]);
    const provider = tokens();
    const session = await connect([first, second], provider);
    const notices: string[] = [];
    session.on('notice', (n) => notices.push(n.type));
    expect((await session.invokeAll('Get-Mailbox')).output).toEqual(['x']);
    expect(first.closed).toBe(1);
    expect(second.opened).toBe(1);
    expect(notices).toContain('reconnected');
    expect(provider.requests.some((r) => r.forceRefresh === true)).toBe(true);
    await session.close();
  });

  it('fails a command cut mid-stream with how far it got, never silently short', async () => {
    const session = await connect([new ScriptedTransport([{ events: [out('1'), out('2')], error: lost() }])]);
    const seen: unknown[] = [];
    await expect(async () => {
      for await (const v of session.invoke('Get-Mailbox')) seen.push(v);
    }).rejects.toMatchObject({ code: ExopsErrorCode.EXO_STREAM_INTERRUPTED, details: { received: 2 } });
    expect(seen).toEqual(['1', '2']);
    await session.close();
  });

  it('keeps a cmdlet failure after output as the cmdlet error', async () => {
    const failed = new ExopsError(ExopsErrorCode.EXO_CMDLET_ERROR, 'The pipeline failed.');
    const session = await connect([new ScriptedTransport([{ events: [out('1')], error: failed }])]);
    await expect(session.invokeAll('Get-Mailbox')).rejects.toBe(failed);
    await session.close();
  });

  it('runs bulk commands concurrently within the limit and keeps failures per command', async () => {
    const scripts = Array.from({ length: 6 }, (_, i) => (i === 3 ? { events: [], error: new ExopsError(ExopsErrorCode.EXO_CMDLET_ERROR, 'bad'), delayMs: 20 } : { events: [out(String(i))], delayMs: 20 }));
    const session = await connect([new ScriptedTransport(scripts)]);
    const started = Date.now();
    const results = [];
    for await (const r of session.invokeMany(Array.from({ length: 6 }, () => ({ cmdlet: 'Set-Mailbox' })), { concurrency: 3 })) results.push(r);
    expect(Date.now() - started).toBeLessThan(6 * 20);
    expect(results).toHaveLength(6);
    expect(results.filter((r) => r.error !== undefined)).toHaveLength(1);
    await session.close();
  });

  it('closes once, refuses work after close, and cleans up when connect fails', async () => {
    const t = new ScriptedTransport([]);
    const session = await connect([t]);
    await Promise.all([session.close(), session.close()]);
    expect(t.closed).toBe(1);
    await expect(session.invokeAll('Get-Mailbox')).rejects.toMatchObject({ code: ExopsErrorCode.EXO_SESSION_LOST });

    const failing: CmdletTransport = { kind: 'rps', open: () => Promise.reject(new Error('boom')), invoke: () => { throw new Error('x'); }, close: () => Promise.resolve() };
    let closed = 0;
    const wrapped = { ...failing, close: () => { closed += 1; return Promise.resolve(); } };
    await expect(ExoSession.connect({ environment: env, tokenProvider: tokens(), http: noHttp, createTransport: () => wrapped })).rejects.toThrow('boom');
    expect(closed).toBe(1);
  });

  it('supports await using', async () => {
    const t = new ScriptedTransport([]);
    {
      await using session = await connect([t]);
      expect(session.isClosed).toBe(false);
    }
    expect(t.closed).toBe(1);
  });

  it('stops when aborted', async () => {
    const session = await connect([new ScriptedTransport([{ events: [out('1')], delayMs: 50 }])]);
    const c = new AbortController();
    c.abort();
    await expect(session.invokeAll('Get-Mailbox', {}, { signal: c.signal })).rejects.toMatchObject({ code: ExopsErrorCode.ABORTED });
    await session.close();
  });
});
