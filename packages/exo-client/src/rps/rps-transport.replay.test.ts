/**
 * RpsTransport against real Windows traffic: each test serves a pypsrp recording of a Windows Server (WinRM +
 * PowerShell 5.1) from 127.0.0.1, answering every request with the next recorded response of the same action. The
 * recordings' GUIDs are not ours (31 of them even big-endian): the client must match replies by what the server echoes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ExopsErrorCode, type CommandStreamEvent, type PSValue } from '@exops/contracts';
import { loadPypsrpRecording, extractPsrpBlobs } from '@exops/test-vectors';
import { Defragmenter, decodeBody, decodeMessage, parsePayload } from '@exops/psrp';
import { RpsTransport, type RpsTransportOptions } from './rps-transport.js';
import { registeredForExitCount } from './exit-registry.js';
import { mergeReceiveResponses, replayHandler, startWsmanServer, testHttp, testToken, type TestWsmanServer } from './test-support/wsman-test-server.js';

const servers: TestWsmanServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function replay(name: string, options: { skip?: number[]; merge?: [number, number]; asCommand?: number; transport?: Partial<RpsTransportOptions> } = {}) {
  let exchanges = loadPypsrpRecording(name).exchanges.map((e, i) =>
    // The recorded fault answered pypsrp's Receive; here it answers our Command on the same lost shell.
    i === options.asCommand ? { ...e, request: e.request.replace('windows/shell/Receive<', 'windows/shell/Command<') } : e,
  );
  exchanges = exchanges.filter((_, i) => !(options.skip ?? []).includes(i));
  if (options.merge !== undefined) {
    const [a, b] = options.merge;
    exchanges = exchanges.flatMap((e, i) => (i === a ? [mergeReceiveResponses(e, exchanges[b]!)] : i === b ? [] : [e]));
  }
  const handler = replayHandler(exchanges);
  const server = await startWsmanServer(handler);
  servers.push(server);
  const transport = new RpsTransport({ http: testHttp(), connectionUri: server.url, configurationName: 'Microsoft.PowerShell', ...options.transport });
  return { server, transport, handler };
}

/** The command the recording's client ran (its CREATE_PIPELINE), so we invoke the same. */
function recordedCommand(name: string): string {
  const d = new Defragmenter();
  for (const e of loadPypsrpRecording(name).exchanges) {
    for (const b of extractPsrpBlobs(e.request)) {
      if (b.location === 'creationXml') continue;
      for (const m of d.push(new Uint8Array(Buffer.from(b.base64, 'base64')))) {
        const msg = decodeMessage(m.data);
        if (msg.messageType === 'CREATE_PIPELINE') {
          const p = parsePayload('CREATE_PIPELINE', decodeBody(msg.data));
          if (p.messageType === 'CREATE_PIPELINE') return p.value.statements[0]![0]!.command;
        }
      }
    }
  }
  throw new Error(`${name} has no CREATE_PIPELINE`);
}

async function collect(iterable: AsyncIterable<CommandStreamEvent>): Promise<CommandStreamEvent[]> {
  const out: CommandStreamEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

const text = (v: PSValue): string => (typeof v === 'string' ? v : JSON.stringify(v));

describe('RpsTransport over recorded Windows traffic', () => {
  it('opens and closes a runspace pool (test_psrp_open_runspace.yml): Create, Receive × 2, Delete', async () => {
    const { server, transport, handler } = await replay('test_psrp_open_runspace.yml');
    const token = testToken();
    const before = registeredForExitCount();
    await transport.open(token);
    expect(transport.remoteSessionId).toBe('76056A84-51DC-4F24-9262-CA2A55464B2B');
    expect(transport.protocolVersion).toBe('2.3');
    expect(transport.maxEnvelopeSize).toBe(512000);
    expect(registeredForExitCount()).toBe(before + 1);
    await transport.close();
    await transport.close();
    expect(registeredForExitCount()).toBe(before);
    expect(server.requests.map((r) => r.kind)).toEqual(['create', 'receive', 'receive', 'delete']);
    expect(handler.remaining()).toBe(0);

    const create = server.requests[0]!;
    expect(create.kind === 'create' && create.name).toMatch(/^exops-[0-9a-f]{8}$/);
    expect(create.kind === 'create' && create.creationXml).toBeTruthy();
    expect(create.header.resourceUri).toBe('http://schemas.microsoft.com/powershell/Microsoft.PowerShell');
    expect(create.options).toContainEqual(expect.objectContaining({ name: 'protocolversion', value: '2.3' }));
    const url = new URL(server.raw[0]!.url, server.url);
    expect(url.searchParams.get('BasicAuthToOAuthConversion')).toBe('true');
    const expected = `Basic ${Buffer.from(`admin@contoso.onmicrosoft.com:Bearer ${token.token}`).toString('base64')}`;
    for (const r of server.raw) expect(r.headers.authorization).toBe(expected);
  });

  it('runs a command and streams its output (test_psrp_no_profile.yml), then Terminates it', async () => {
    const { server, transport } = await replay('test_psrp_no_profile.yml');
    await transport.open(testToken());
    const events = await collect(transport.invoke({ cmdlet: recordedCommand('test_psrp_no_profile.yml'), parameters: {} }, testToken()));
    // WINRS_NOPROFILE was set in that recording, so the profile is the system one.
    expect(events).toEqual([{ type: 'output', value: 'C:\\WINDOWS\\SYSTEM32\\CONFIG\\SYSTEMPROFILE' }]);
    await transport.close();
    expect(server.requests.map((r) => r.kind)).toEqual(['create', 'receive', 'receive', 'command', 'receive', 'signal', 'delete']);
    const signal = server.requests[5]!;
    expect(signal.kind === 'signal' && signal.code).toBe('http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate');
    const command = server.requests[3]!;
    const receive = server.requests[4]!;
    // The CommandId the server answered with is the one used afterwards, not ours.
    expect(command.kind === 'command' && command.commandId).not.toBe(receive.kind === 'receive' && receive.commandId);
    expect(receive.kind === 'receive' && signal.kind === 'signal' && receive.commandId === signal.commandId).toBe(true);
  });

  it('needs at most 4 requests from a token in hand to the first output object when the open messages come in one Receive', async () => {
    const { server, transport } = await replay('test_psrp_no_profile.yml', { merge: [1, 2] });
    await transport.open(testToken());
    let requestsAtFirstOutput = -1;
    for await (const event of transport.invoke({ cmdlet: 'Get-Thing', parameters: {} }, testToken())) {
      if (event.type === 'output' && requestsAtFirstOutput < 0) requestsAtFirstOutput = server.requests.length;
    }
    expect(requestsAtFirstOutput).toBe(4);
    expect(server.requests.slice(0, 4).map((r) => r.kind)).toEqual(['create', 'receive', 'command', 'receive']);
    await transport.close();
  });

  it('yields every stream in the order the server sent them (test_psrp_stream_output_invocation.yml)', async () => {
    const { transport } = await replay('test_psrp_stream_output_invocation.yml');
    await transport.open(testToken());
    const events = await collect(transport.invoke({ cmdlet: recordedCommand('test_psrp_stream_output_invocation.yml'), parameters: {} }, testToken()));
    const summary = events.map((e) =>
      e.type === 'output' ? `output:${text(e.value)}` : e.type === 'error' ? `error:${e.record.message}` : e.type === 'information' ? `information:${text(e.record.messageData)}` : e.type === 'progress' ? `progress:${e.record.activity}` : `${e.type}:${e.message}`,
    );
    expect(summary).toEqual([
      expect.stringMatching(/^progress:/),
      'debug:debug stream',
      'verbose:verbose stream',
      'error:error stream',
      'output:output stream',
      'warning:warning stream',
      'information:information stream',
    ]);
    await transport.close();
  });

  it('keeps receiving through TimedOut faults, with and without HTTP 500 (test_psrp_long_running_cmdlet.yml)', async () => {
    const { server, transport } = await replay('test_psrp_long_running_cmdlet.yml', { transport: { operationTimeoutSeconds: 5 } });
    await transport.open(testToken());
    const events = await collect(transport.invoke({ cmdlet: 'Start-Sleep', parameters: { Seconds: 10 } }, testToken()));
    expect(events).toEqual([{ type: 'output', value: 'hi' }]);
    expect(server.requests.map((r) => r.kind)).toEqual(['create', 'receive', 'receive', 'command', 'receive', 'receive', 'receive', 'signal']);
    expect(server.requests[4]!.header.operationTimeout).toBe('PT5S');
    await transport.close();
  });

  it('turns a failed pipeline into EXO_CMDLET_ERROR after yielding what came before (test_psrp_error_failed.yml)', async () => {
    const { server, transport } = await replay('test_psrp_error_failed.yml');
    await transport.open(testToken());
    const events: CommandStreamEvent[] = [];
    const error = await (async () => {
      try {
        for await (const e of transport.invoke({ cmdlet: recordedCommand('test_psrp_error_failed.yml'), parameters: {} }, testToken())) events.push(e);
        return undefined;
      } catch (e) {
        return e as { code?: string; message: string; remedy?: string };
      }
    })();
    expect(events.filter((e) => e.type === 'output').map((e) => e.type === 'output' && e.value)).toEqual(['before']);
    expect(error?.code).toBe(ExopsErrorCode.EXO_CMDLET_ERROR);
    expect(error?.message).toBe('error');
    expect(error?.remedy).toBeTruthy();
    // Terminate still releases the failed command.
    expect(server.requests.at(-1)!.kind).toBe('signal');
    await transport.close();
  });

  it('answers nothing to void host calls and streams the rest (test_psrp_pshost_methods.yml)', async () => {
    const { server, transport } = await replay('test_psrp_pshost_methods.yml');
    await transport.open(testToken());
    const events = await collect(transport.invoke({ cmdlet: recordedCommand('test_psrp_pshost_methods.yml'), parameters: {} }, testToken()));
    expect(events.filter((e) => e.type === 'output')).toHaveLength(1);
    // SetShouldExit is void ([MS-PSRP] 2.2.3.17): no PIPELINE_HOST_RESPONSE Send.
    expect(server.requests.filter((r) => r.kind === 'send')).toHaveLength(0);
    await transport.close();
  });

  it('reports a shell the server no longer knows as EXO_SESSION_LOST (test_psrp_receive_failure.yml)', async () => {
    const { transport } = await replay('test_psrp_receive_failure.yml', { asCommand: 3 });
    await transport.open(testToken());
    await expect(collect(transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, testToken()))).rejects.toMatchObject({ code: ExopsErrorCode.EXO_SESSION_LOST });
    // The session reopens with a new transport; closing this one is still safe.
    await transport.close();
  });

  it('splits a large CREATE_PIPELINE into Command + Send within a 32 KiB envelope (test_psrp_small_msg_size.yml)', async () => {
    const { server, transport } = await replay('test_psrp_small_msg_size.yml', { skip: [0], transport: { maxEnvelopeSize: 32768 } });
    await transport.open(testToken());
    const big = 'a'.repeat(40_000);
    const events = await collect(transport.invoke({ cmdlet: 'Set-Thing', parameters: { Value: big, Count: 3 } }, testToken()));
    expect(events.filter((e) => e.type === 'output')).toHaveLength(3);
    const sends = server.requests.filter((r) => r.kind === 'send');
    expect(sends.length).toBeGreaterThanOrEqual(1);
    for (const raw of server.raw) expect(Buffer.byteLength(raw.body)).toBeLessThanOrEqual(32768);
    // Arguments + Sends reassemble into our CREATE_PIPELINE.
    const command = server.requests.find((r) => r.kind === 'command')!;
    const d = new Defragmenter();
    const blobs = [...(command.kind === 'command' ? command.arguments : []), ...sends.flatMap((s) => (s.kind === 'send' ? s.streams.map((st) => st.base64) : []))];
    const messages = blobs.flatMap((b) => d.push(new Uint8Array(Buffer.from(b, 'base64'))));
    expect(messages).toHaveLength(1);
    const parsed = parsePayload('CREATE_PIPELINE', decodeBody(decodeMessage(messages[0]!.data).data));
    expect(parsed.messageType === 'CREATE_PIPELINE' && parsed.value.statements[0]![0]!.parameters.map((p) => p.name)).toEqual(['Value', 'Count']);
    await transport.close();
  });
});
