/**
 * Test-only: a scripted RPS endpoint built from the protocol packages' server halves (RunspacePoolServer for PSRP, the
 * WS-Management response builders for envelopes). It opens pools in one Receive, runs each pipeline through a
 * script, answers crtl_c with Stopped, and lets a test replace any answer with a fault.
 */
import { RunspacePoolServer, type ServerPipeline, type ParsedCreatePipeline } from '@exops/psrp';
import {
  buildCommandResponse,
  buildCreateResponse,
  buildDeleteResponse,
  buildEnumerateResponse,
  buildInvalidSelectorsFault,
  buildReceiveResponse,
  buildSendResponse,
  buildSignalResponse,
  type ParsedWsmanRequest,
  type WsmanShellProperties,
} from '@exops/wsman';
import { startWsmanServer, type Reply, type TestWsmanServer } from './wsman-test-server.js';

export interface PipelineScript {
  /** Called once when the pipeline is created; write output and (optionally) a final state. */
  readonly start?: (pipeline: ServerPipeline, command: ParsedCreatePipeline) => void;
  /** Called before each Receive of the pipeline after the first; `n` counts Receives from 1. */
  readonly onReceive?: (pipeline: ServerPipeline, n: number) => void | Promise<void>;
}

export interface FakeRpsOptions {
  /** Replace the answer to a request (a fault, an HTTP error); undefined keeps the normal answer. */
  readonly override?: (request: ParsedWsmanRequest, index: number) => Reply | undefined | Promise<Reply | undefined>;
  readonly pipeline?: PipelineScript;
  /** The PSRP protocol version the server announces; default 2.3. */
  readonly protocolVersion?: string;
  /** Shells listed by Enumerate besides the open ones. */
  readonly otherShells?: WsmanShellProperties[];
}

export interface FakeRpsServer extends TestWsmanServer {
  readonly shells: Map<string, RunspacePoolServer>;
  readonly signals: { commandId: string | undefined; code: string }[];
  readonly deleted: string[];
}

const ctx = (request: ParsedWsmanRequest) => ({ relatesTo: request.header.messageId ?? 'uuid:00000000-0000-0000-0000-000000000000' });

export async function startFakeRpsServer(options: FakeRpsOptions = {}): Promise<FakeRpsServer> {
  const shells = new Map<string, RunspacePoolServer>();
  const names = new Map<string, string | undefined>();
  const signals: { commandId: string | undefined; code: string }[] = [];
  const deleted: string[] = [];
  const receives = new Map<string, number>();
  let otherShells = [...(options.otherShells ?? [])];
  let index = 0;
  const resourceUri = 'http://schemas.microsoft.com/powershell/Microsoft.Exchange';

  const server = await startWsmanServer(async (request) => {
    const i = index++;
    const replaced = await options.override?.(request, i);
    if (replaced !== undefined) return replaced;
    const shellId = request.selectors['ShellId']?.toUpperCase();
    const pool = shellId === undefined ? undefined : shells.get(shellId);
    switch (request.kind) {
      case 'create': {
        const id = (request.shellId ?? globalThis.crypto.randomUUID()).toUpperCase();
        const p = new RunspacePoolServer(options.protocolVersion === undefined ? {} : { capability: { protocolVersion: options.protocolVersion } });
        p.receive(new Uint8Array(Buffer.from(request.creationXml ?? '', 'base64')));
        shells.set(id, p);
        names.set(id, request.name);
        return { body: buildCreateResponse(ctx(request), { address: 'https://outlook.office365.com/PowerShell-LiveID', resourceUri, shell: { shellId: id, name: request.name, owner: 'admin@contoso.onmicrosoft.com', state: 'Connected' } }).xml };
      }
      case 'command': {
        if (pool === undefined) return { body: buildInvalidSelectorsFault(ctx(request)).xml };
        for (const event of pool.receive(new Uint8Array(Buffer.from(request.arguments.join(''), 'base64')))) {
          if (event.type === 'createPipeline') options.pipeline?.start?.(event.pipeline, event.command);
        }
        return { body: buildCommandResponse(ctx(request), { commandId: request.commandId ?? '' }).xml };
      }
      case 'send':
        if (pool === undefined) return { body: buildInvalidSelectorsFault(ctx(request)).xml };
        for (const s of request.streams) pool.receive(new Uint8Array(Buffer.from(s.base64, 'base64')));
        return { body: buildSendResponse(ctx(request)).xml };
      case 'receive': {
        if (pool === undefined) return { body: buildInvalidSelectorsFault(ctx(request)).xml };
        if (request.commandId === undefined) {
          return { body: buildReceiveResponse(ctx(request), { streams: pool.takeOutgoing().map((data) => ({ data })) }).xml };
        }
        const pipeline = pool.pipeline(request.commandId);
        if (pipeline === undefined) return { body: buildInvalidSelectorsFault(ctx(request), { target: 'command' }).xml };
        const n = (receives.get(request.commandId) ?? 0) + 1;
        receives.set(request.commandId, n);
        if (n > 1) await options.pipeline?.onReceive?.(pipeline, n);
        const streams = pipeline.takeOutgoing().map((data) => ({ data, commandId: request.commandId }));
        const finished = ['Completed', 'Failed', 'Stopped'].includes(pipeline.state);
        return { body: buildReceiveResponse(ctx(request), { streams, ...(finished ? { commandState: { commandId: request.commandId, state: 'Done', exitCode: 0 } } : {}) }).xml };
      }
      case 'signal': {
        signals.push({ commandId: request.commandId, code: request.code });
        const pipeline = request.commandId === undefined ? undefined : pool?.pipeline(request.commandId);
        if (pool === undefined || pipeline === undefined) return { body: buildInvalidSelectorsFault(ctx(request), { target: 'command' }).xml };
        if (request.code === 'powershell/signal/crtl_c' && pipeline.state === 'Running') pipeline.stopped();
        if (request.code.endsWith('/signal/Terminate')) pool.removePipeline(request.commandId!);
        return { body: buildSignalResponse(ctx(request)).xml };
      }
      case 'delete': {
        const id = shellId ?? '';
        if (!shells.has(id) && !otherShells.some((s) => s.shellId.toUpperCase() === id)) return { body: buildInvalidSelectorsFault(ctx(request)).xml };
        shells.delete(id);
        otherShells = otherShells.filter((s) => s.shellId.toUpperCase() !== id);
        deleted.push(id);
        return { body: buildDeleteResponse(ctx(request)).xml };
      }
      case 'enumerate': {
        const open: WsmanShellProperties[] = [...shells.keys()].map((id) => ({ shellId: id, name: names.get(id), resourceUri, owner: 'admin@contoso.onmicrosoft.com', state: 'Connected', shellRunTime: 'P0DT0H0M5S', shellInactivity: 'P0DT0H0M1S' }));
        return { body: buildEnumerateResponse(ctx(request), { shells: [...open, ...otherShells] }).xml };
      }
      default:
        return { status: 599, body: `fake RPS server: ${request.kind} is not scripted` };
    }
  });
  return Object.assign(server, { shells, signals, deleted });
}
