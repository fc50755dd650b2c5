/**
 * RpsTransport against a scripted RPS endpoint (the PSRP and WS-Management server halves on 127.0.0.1): the service's
 * refusals, a shell lost mid-stream, cancellation, early exit from the loop, and close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ExopsErrorCode, isExopsError, type CommandStreamEvent } from '@exops/contracts';
import { buildFaultResponse, buildInvalidSelectorsFault, buildQuotaLimitFault, buildReceiveResponse, buildTimedOutFault, type ParsedWsmanRequest } from '@exops/wsman';
import { encodeFragments, encodeMessage, guidToBytes } from '@exops/psrp';
import { RpsTransport, type RpsNotice, type RpsTransportOptions } from './rps-transport.js';
import { RPS_DISABLED_TEXT, buildRemotePowerShellNotEnabledText, buildRunspaceBudgetText, buildSessionCapText } from './service-texts.js';
import { closeRegisteredForExit, registerForExit, registeredForExitCount } from './exit-registry.js';
import { startFakeRpsServer, type FakeRpsOptions, type FakeRpsServer } from './test-support/fake-rps-server.js';
import { testHttp, testToken, type Reply } from './test-support/wsman-test-server.js';

const PSRP_STOP = 'powershell/signal/crtl_c';
const TERMINATE = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate';

const servers: FakeRpsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(options: FakeRpsOptions = {}, transportOptions: Partial<RpsTransportOptions> = {}) {
  const server = await startFakeRpsServer(options);
  servers.push(server);
  const notices: RpsNotice[] = [];
  const transport = new RpsTransport({ http: testHttp(), connectionUri: server.url, onNotice: (n) => notices.push(n), ...transportOptions });
  return { server, transport, notices };
}

const ctx = (request: ParsedWsmanRequest) => ({ relatesTo: request.header.messageId ?? '' });

/** A Create refused with the service's text inside a WS-Management fault, as the RPS plug-in reported it. */
function refuseCreate(message: string, status = 500) {
  let refused = false;
  return (request: ParsedWsmanRequest): Reply | undefined => {
    if (request.kind !== 'create' || refused) return undefined;
    refused = true;
    return {
      status,
      body: buildFaultResponse(ctx(request), {
        code: 'Receiver',
        subcode: 'InternalError',
        reason: message,
      }).xml,
    };
  };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; remedy: string | undefined; details: Record<string, unknown> | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (isExopsError(error)) return { code: error.code, message: error.message, remedy: error.remedy, details: error.details as Record<string, unknown> | undefined };
    throw error;
  }
  throw new Error('expected a failure');
}

async function collect(iterable: AsyncIterable<CommandStreamEvent>): Promise<CommandStreamEvent[]> {
  const out: CommandStreamEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

const outputs = (n: number) => (pipeline: import('@exops/psrp').ServerPipeline) => {
  for (let i = 1; i <= n; i += 1) pipeline.writeOutput(`item ${i}`);
};

describe('RpsTransport: the service refuses the session', () => {
  it('EXO_SESSION_CAP lists the open sessions and says how to remove them', async () => {
    const { transport, server } = await setup({
      override: refuseCreate(`${buildSessionCapText(3, '6b1f4a8e-0000-4000-8000-000000000001')}\r\nPolicy: CN=GlobalThrottlingPolicy_x\r\nActiveRunspaces: 3/3`),
      otherShells: [
        { shellId: 'AAAAAAAA-0000-0000-0000-000000000001', name: 'exops-1a2b3c4d', resourceUri: 'http://schemas.microsoft.com/powershell/Microsoft.Exchange', state: 'Connected', shellRunTime: 'P0DT1H2M0S', shellInactivity: 'P0DT0H10M0S' },
        { shellId: 'BBBBBBBB-0000-0000-0000-000000000002', name: 'ExchangeOnlineInternalSession_1', resourceUri: 'http://schemas.microsoft.com/powershell/Microsoft.Exchange', state: 'Disconnected', shellRunTime: 'PT300S' },
        { shellId: 'CCCCCCCC-0000-0000-0000-000000000003', resourceUri: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd', state: 'Connected' },
      ],
    });
    const e = await failure(transport.open(testToken()));
    expect(e.code).toBe(ExopsErrorCode.EXO_SESSION_CAP);
    expect(e.message).toContain('AAAAAAAA-0000-0000-0000-000000000001  exops-1a2b3c4d  age 1h02m');
    expect(e.message).toContain('BBBBBBBB-0000-0000-0000-000000000002  ExchangeOnlineInternalSession_1  age 5m');
    expect(e.message).toContain('Disconnected');
    expect(e.message).not.toContain('CCCCCCCC');
    expect(e.message).toContain('maximum number of connections allowed : 3');
    expect(e.message).not.toContain('AuthZRequestId');
    expect(e.remedy).toContain('exops sessions remove --all');
    expect(e.remedy).toContain('Get-PSSession | Remove-PSSession');
    expect(e.remedy).toMatch(/3.*5/);
    expect(e.details?.['limit']).toBe(3);
    expect(server.requests.map((r) => r.kind)).toEqual(['create', 'enumerate']);
  });

  it('a w:QuotaLimit fault is the cap too', async () => {
    const { transport } = await setup({
      override: (r) => (r.kind === 'create' ? { body: buildQuotaLimitFault(ctx(r), { maxShellsPerUser: 5 }).xml } : undefined),
    });
    const e = await failure(transport.open(testToken()));
    expect(e.code).toBe(ExopsErrorCode.EXO_SESSION_CAP);
    expect(e.message).toContain('Your open sessions (0)');
  });

  it('removeAbandonedSessions deletes other exops sessions (never this process\'s) and retries once', async () => {
    const mine = { close: () => Promise.resolve(), remoteSessionId: 'DDDDDDDD-0000-0000-0000-000000000004' };
    registerForExit(mine);
    try {
      const exchange = 'http://schemas.microsoft.com/powershell/Microsoft.Exchange';
      const { transport, server, notices } = await setup(
        {
          override: refuseCreate(buildSessionCapText(3)),
          otherShells: [
            { shellId: 'AAAAAAAA-0000-0000-0000-000000000001', name: 'exops-deadbeef', resourceUri: exchange, state: 'Disconnected' },
            { shellId: 'BBBBBBBB-0000-0000-0000-000000000002', name: 'ExchangeOnlineInternalSession_1', resourceUri: exchange, state: 'Connected' },
            { shellId: 'DDDDDDDD-0000-0000-0000-000000000004', name: 'exops-0badf00d', resourceUri: exchange, state: 'Connected' },
          ],
        },
        { removeAbandonedSessions: true },
      );
      await transport.open(testToken());
      expect(server.deleted).toEqual(['AAAAAAAA-0000-0000-0000-000000000001']);
      expect(notices).toContainEqual({ type: 'sessions-removed', ids: ['AAAAAAAA-0000-0000-0000-000000000001'] });
      expect(server.requests.map((r) => r.kind)).toEqual(['create', 'enumerate', 'delete', 'create', 'receive']);
      await transport.close();
    } finally {
      await mine.close();
      const { unregisterForExit } = await import('./exit-registry.js');
      unregisterForExit(mine);
    }
  });

  it('waits out a short runspace budget once, then opens', async () => {
    const { transport, server, notices } = await setup({ override: refuseCreate(buildRunspaceBudgetText(1, '6b1f4a8e-0000-4000-8000-000000000002')) });
    const started = Date.now();
    await transport.open(testToken());
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(notices).toContainEqual(expect.objectContaining({ type: 'retry', delayMs: 1000 }));
    expect(server.requests.map((r) => r.kind)).toEqual(['create', 'create', 'receive']);
    await transport.close();
  });

  it('a long runspace budget is EXO_RUNSPACE_BUDGET at once, with the wait', async () => {
    const { transport, server } = await setup({ override: refuseCreate(buildRunspaceBudgetText(45)) });
    const e = await failure(transport.open(testToken()));
    expect(e.code).toBe(ExopsErrorCode.EXO_RUNSPACE_BUDGET);
    expect(e.remedy).toContain('Wait 45 seconds');
    expect(server.requests.map((r) => r.kind)).toEqual(['create']);
  });

  it('HTTP 401 on Create with a valid token is EXO_REMOTE_POWERSHELL_DISABLED with the Set-User fix', async () => {
    const { transport } = await setup({
      override: (r) => (r.kind === 'create' ? { status: 401, body: '' } : undefined),
    });
    const e = await failure(transport.open(testToken()));
    expect(e.code).toBe(ExopsErrorCode.EXO_REMOTE_POWERSHELL_DISABLED);
    expect(e.remedy).toContain('Set-User -Identity admin@contoso.onmicrosoft.com -RemotePowerShellEnabled $true');
  });

  it('the plug-in\'s "not allowed to use remote Powershell" text is EXO_REMOTE_POWERSHELL_DISABLED too', async () => {
    const { transport } = await setup({ override: refuseCreate(buildRemotePowerShellNotEnabledText('admin@contoso.onmicrosoft.com')) });
    expect((await failure(transport.open(testToken()))).code).toBe(ExopsErrorCode.EXO_REMOTE_POWERSHELL_DISABLED);
  });

  it('RPS switched off for the tenant is EXO_RPS_DISABLED pointing to --transport rest', async () => {
    const { transport } = await setup({
      override: (r) => (r.kind === 'create' ? { status: 403, body: RPS_DISABLED_TEXT } : undefined),
    });
    const e = await failure(transport.open(testToken()));
    expect(e.code).toBe(ExopsErrorCode.EXO_RPS_DISABLED);
    expect(e.message).toContain('October 1, 2023');
    expect(e.remedy).toContain('--transport rest');
  });

  it('a pool that breaks while opening is deleted, not leaked', async () => {
    const { transport, server } = await setup({
      override: (r) => {
        if (r.kind !== 'receive') return undefined;
        const pool = server.shells.values().next().value!;
        pool.takeOutgoing();
        pool.setState('Broken', { message: buildSessionCapText(3), category: 'ResourceUnavailable' });
        return undefined;
      },
    });
    const e = await failure(transport.open(testToken()));
    expect(e.code).toBe(ExopsErrorCode.EXO_SESSION_CAP);
    expect(server.deleted).toHaveLength(1);
    expect(server.requests.map((r) => r.kind)).toEqual(['create', 'receive', 'delete', 'enumerate']);
  });
});

describe('RpsTransport: running commands', () => {
  it('opens in one Receive and streams output: 4 requests to the first object', async () => {
    const { transport, server } = await setup({ pipeline: { start: (p) => { outputs(2)(p); p.complete(); } } });
    const token = testToken();
    await transport.open(token);
    let atFirst = -1;
    const events: CommandStreamEvent[] = [];
    for await (const e of transport.invoke({ cmdlet: 'Get-Mailbox', parameters: { ResultSize: 2 } }, token)) {
      if (atFirst < 0) atFirst = server.requests.length;
      events.push(e);
    }
    expect(atFirst).toBe(4);
    expect(events).toEqual([{ type: 'output', value: 'item 1' }, { type: 'output', value: 'item 2' }]);
    expect(server.signals).toEqual([{ commandId: expect.any(String), code: TERMINATE }]);
    await transport.close();
  });

  it('streams: the first object arrives before the command ends', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { transport } = await setup({
      pipeline: {
        start: outputs(1),
        onReceive: async (p) => {
          await gate;
          p.writeOutput('late');
          p.complete();
        },
      },
    });
    await transport.open(testToken());
    const iterator = transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, testToken())[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: 'output', value: 'item 1' });
    release();
    expect((await iterator.next()).value).toEqual({ type: 'output', value: 'late' });
    expect((await iterator.next()).done).toBe(true);
    await transport.close();
  });

  it('a shell lost mid-stream is EXO_SESSION_LOST after the objects already yielded', async () => {
    let commandReceives = 0;
    const { transport } = await setup({
      pipeline: { start: outputs(1) },
      override: (r) => (r.kind === 'receive' && r.commandId !== undefined && ++commandReceives >= 2 ? { body: buildInvalidSelectorsFault(ctx(r)).xml } : undefined),
    });
    await transport.open(testToken());
    const events: CommandStreamEvent[] = [];
    const e = await failure(
      (async () => {
        for await (const ev of transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, testToken())) events.push(ev);
      })(),
    );
    expect(events).toEqual([{ type: 'output', value: 'item 1' }]);
    expect(e.code).toBe(ExopsErrorCode.EXO_SESSION_LOST);
    await expect(transport.close()).resolves.toBeUndefined();
  });

  it('a 401 after the shell\'s token expired is EXO_SESSION_LOST (the session renews and reopens)', async () => {
    const { transport } = await setup({ override: (r) => (r.kind === 'command' ? { status: 401, body: '' } : undefined) });
    await transport.open(testToken({ expiresOn: new Date(Date.now() + 200) }));
    await new Promise((r) => setTimeout(r, 250));
    const e = await failure(collect(transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, testToken())));
    expect(e.code).toBe(ExopsErrorCode.EXO_SESSION_LOST);
  });

  it('cancellation sends crtl_c, waits for Stopped, Terminates, and throws ABORTED', async () => {
    const { transport, server } = await setup({ pipeline: { start: outputs(1) } });
    await transport.open(testToken());
    const controller = new AbortController();
    const events: CommandStreamEvent[] = [];
    const e = await failure(
      (async () => {
        for await (const ev of transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {}, signal: controller.signal }, testToken())) {
          events.push(ev);
          controller.abort();
        }
      })(),
    );
    expect(e.code).toBe(ExopsErrorCode.ABORTED);
    expect(events).toHaveLength(1);
    expect(server.signals.map((s) => s.code)).toEqual([PSRP_STOP, TERMINATE]);
    const afterStop = server.requests.slice(server.requests.findIndex((r) => r.kind === 'signal'));
    expect(afterStop.map((r) => r.kind)).toEqual(['signal', 'receive', 'signal']);
    await transport.close();
  });

  it('cancellation during an outstanding Receive stops the pipeline too', async () => {
    const controller = new AbortController();
    let receives = 0;
    const { transport, server } = await setup({
      override: async (r) => {
        if (r.kind !== 'receive' || r.commandId === undefined) return undefined;
        receives += 1;
        if (receives === 1) {
          controller.abort();
          await new Promise((resolve) => setTimeout(resolve, 100));
          return { body: buildTimedOutFault(ctx(r)).xml };
        }
        return undefined;
      },
    });
    await transport.open(testToken());
    const e = await failure(collect(transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {}, signal: controller.signal }, testToken())));
    expect(e.code).toBe(ExopsErrorCode.ABORTED);
    expect(server.signals.map((s) => s.code)).toEqual([PSRP_STOP, TERMINATE]);
    await transport.close();
  });

  it('breaking out of the loop stops and terminates the pipeline', async () => {
    const { transport, server } = await setup({
      pipeline: {
        start: (p, command) => {
          outputs(3)(p);
          if (command.statements[0]![0]!.command === 'Get-Date') p.complete();
        },
      },
    });
    await transport.open(testToken());
    for await (const ev of transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, testToken())) {
      expect(ev).toEqual({ type: 'output', value: 'item 1' });
      break;
    }
    expect(server.signals.map((s) => s.code)).toEqual([PSRP_STOP, TERMINATE]);
    // The pool is still usable.
    const again = await collect(transport.invoke({ cmdlet: 'Get-Date', parameters: {} }, testToken()));
    expect(again.length).toBeGreaterThan(0);
    await transport.close();
  });

  it('a Failed pipeline is an ExopsError with the record\'s message; a missing cmdlet has its own code', async () => {
    const { transport } = await setup({
      pipeline: {
        start: (p, command) => {
          const name = command.statements[0]![0]!.command;
          if (name === 'Get-Nothing') {
            p.fail({ message: "The term 'Get-Nothing' is not recognized as the name of a cmdlet, function, script file, or operable program.", exceptionType: 'System.Management.Automation.CommandNotFoundException', reason: 'CommandNotFoundException', category: 'ObjectNotFound' });
          } else {
            p.writeError({ message: "The operation couldn't be performed because object 'nobody' couldn't be found.", category: 'NotSpecified' });
            p.fail({ message: "The operation couldn't be performed because object 'nobody' couldn't be found.", exceptionType: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException', category: 'NotSpecified' });
          }
        },
      },
    });
    await transport.open(testToken());
    const e1 = await failure(collect(transport.invoke({ cmdlet: 'Get-Mailbox', parameters: { Identity: 'nobody' } }, testToken())));
    expect(e1.code).toBe(ExopsErrorCode.EXO_CMDLET_ERROR);
    expect(e1.message).toContain("object 'nobody' couldn't be found");
    expect(e1.remedy).toBeTruthy();
    const e2 = await failure(collect(transport.invoke({ cmdlet: 'Get-Nothing', parameters: {} }, testToken())));
    expect(e2.code).toBe(ExopsErrorCode.EXO_CMDLET_NOT_FOUND);
    await transport.close();
  });

  it('reports an unreadable object as an error event in its place and goes on', async () => {
    let server: FakeRpsServer | undefined;
    let receives = 0;
    const setupResult = await setup({
      pipeline: { start: outputs(1) },
      override: (r) => {
        if (r.kind !== 'receive' || r.commandId === undefined || ++receives !== 1) return undefined;
        const pool = server!.shells.get(r.selectors['ShellId']!.toUpperCase())!;
        const pipeline = pool.pipeline(r.commandId)!;
        const good = pipeline.takeOutgoing();
        const bad = encodeFragments(
          900n,
          encodeMessage({ destination: 1, messageType: 'PIPELINE_OUTPUT', rpid: guidToBytes(r.selectors['ShellId']!), pid: pipeline.idBytes, data: new TextEncoder().encode('<Obj RefId="0"><MS><S N="x">unterminated') }),
        );
        pipeline.writeOutput('after');
        pipeline.complete();
        const streams = [...good, ...bad, ...pipeline.takeOutgoing()].map((data) => ({ data, commandId: r.commandId }));
        return { body: buildReceiveResponse(ctx(r), { streams, commandState: { commandId: r.commandId, state: 'Done', exitCode: 0 } }).xml };
      },
    });
    server = setupResult.server;
    const { transport } = setupResult;
    await transport.open(testToken());
    const events = await collect(transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, testToken()));
    expect(events.map((e) => e.type)).toEqual(['output', 'error', 'output']);
    expect(events[1]!.type === 'error' && events[1]!.record.message).toMatch(/PIPELINE_OUTPUT from the server could not be read/);
    await transport.close();
  });

  it('answers a host call that needs a value on the pr stream', async () => {
    const { transport, server } = await setup({
      pipeline: {
        start: (p) => {
          p.hostCall(1);
        },
        onReceive: (p) => {
          p.writeOutput('done');
          p.complete();
        },
      },
    });
    await transport.open(testToken());
    const events = await collect(transport.invoke({ cmdlet: 'Get-Thing', parameters: {} }, testToken()));
    expect(events).toEqual([{ type: 'output', value: 'done' }]);
    const send = server.requests.find((r) => r.kind === 'send');
    expect(send?.kind === 'send' && send.streams.map((s) => s.name)).toEqual(['pr']);
    await transport.close();
  });
});

describe('RpsTransport: what goes on the wire', () => {
  it('sends the command and its parameters, the session name, idle timeout, DelegatedOrg and the Basic header', async () => {
    const seen: unknown[] = [];
    const { transport, server } = await setup(
      {
        pipeline: {
          start: (p, command) => {
            seen.push(command.statements[0]![0]!.command, command.statements[0]![0]!.parameters.map((x) => [x.name, x.value]));
            p.complete();
          },
        },
      },
      { sessionName: 'exops-test0001', idleTimeoutSeconds: 900, delegatedOrganization: 'fabrikam.onmicrosoft.com', upn: 'partner@contoso.com' },
    );
    const token = testToken({ user: undefined, kind: 'app' });
    await transport.open(token);
    await collect(transport.invoke({ cmdlet: 'Get-Mailbox', parameters: { Identity: 'bob', ResultSize: 5, Force: true, Skip: undefined as unknown as string } }, token));
    expect(seen).toEqual(['Get-Mailbox', [['Identity', 'bob'], ['ResultSize', 5], ['Force', true]]]);
    const create = server.requests[0]!;
    expect(create.kind === 'create' && [create.name, create.idleTimeOut]).toEqual(['exops-test0001', 'PT900S']);
    const url = new URL(server.raw[0]!.url, server.url);
    expect(url.searchParams.get('DelegatedOrg')).toBe('fabrikam.onmicrosoft.com');
    expect(url.searchParams.get('BasicAuthToOAuthConversion')).toBe('true');
    expect(server.raw[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`partner@contoso.com:Bearer ${token.token}`).toString('base64')}`);
    await transport.close();
  });

  it('lowers MaxEnvelopeSize to 153600 for a server below PSRP 2.2, as pypsrp does', async () => {
    const { transport, server, notices } = await setup({ protocolVersion: '2.1', pipeline: { start: (p) => p.complete() } });
    await transport.open(testToken());
    expect(transport.protocolVersion).toBe('2.1');
    expect(transport.maxEnvelopeSize).toBe(153600);
    expect(notices).toContainEqual({ type: 'envelope-size', maxEnvelopeSize: 153600, protocolVersion: '2.1' });
    await collect(transport.invoke({ cmdlet: 'Get-Date', parameters: {} }, testToken()));
    expect(server.requests[0]!.header.maxEnvelopeSize).toBe(512000);
    expect(server.requests.find((r) => r.kind === 'command')!.header.maxEnvelopeSize).toBe(153600);
    await transport.close();
  });

  it('uses the token given to each call for the requests that follow', async () => {
    const { transport, server } = await setup({ pipeline: { start: (p) => p.complete() } });
    const first = testToken();
    const renewed = testToken();
    await transport.open(first);
    await collect(transport.invoke({ cmdlet: 'Get-Date', parameters: {} }, renewed));
    const auth = server.raw.map((r) => Buffer.from(String(r.headers.authorization).slice(6), 'base64').toString('utf8').split('Bearer ')[1]);
    expect(auth.slice(0, 2)).toEqual([first.token, first.token]);
    expect(auth.slice(2).every((t) => t === renewed.token)).toBe(true);
    await transport.close();
  });
});

describe('RpsTransport: close', () => {
  it('deletes once, is safe to call twice, and unregisters from the exit registry', async () => {
    const { transport, server } = await setup();
    const before = registeredForExitCount();
    await transport.open(testToken());
    expect(registeredForExitCount()).toBe(before + 1);
    await Promise.all([transport.close(), transport.close()]);
    await transport.close();
    expect(server.requests.filter((r) => r.kind === 'delete')).toHaveLength(1);
    expect(registeredForExitCount()).toBe(before);
  });

  it('a command cut off by close() (the exit handlers) is ABORTED, not a lost session to reopen', async () => {
    const { transport } = await setup({ pipeline: { start: outputs(1) } });
    await transport.open(testToken());
    const iterator = transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, testToken())[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: 'output', value: 'item 1' });
    await closeRegisteredForExit(2000);
    await expect(iterator.next()).rejects.toMatchObject({ code: ExopsErrorCode.ABORTED });
    await expect(collect(transport.invoke({ cmdlet: 'Get-Date', parameters: {} }, testToken()))).rejects.toMatchObject({ code: ExopsErrorCode.ABORTED });
  });

  it('never throws for a shell already gone', async () => {
    const { transport } = await setup({ override: (r) => (r.kind === 'delete' ? { body: buildInvalidSelectorsFault(ctx(r)).xml } : undefined) });
    await transport.open(testToken());
    await expect(transport.close()).resolves.toBeUndefined();
  });

  it('closeRegisteredForExit closes every open transport (the CLI calls it from its signal handlers)', async () => {
    const { transport, server } = await setup();
    await transport.open(testToken());
    const result = await closeRegisteredForExit(2000);
    expect(result.closed).toBeGreaterThanOrEqual(1);
    expect(server.deleted).toHaveLength(1);
    await transport.close();
    expect(server.requests.filter((r) => r.kind === 'delete')).toHaveLength(1);
  });
});
