/**
 * A byte-level RPS client for tests, built from our own pieces: the psrp RunspacePoolClient and the wsman envelope
 * builders and parser, calling the endpoint's handler with EmulatorRequest objects.
 */
import { RunspacePoolClient, decodeMessage, parseFragments, type ClientEvent, type ClientPipeline, type ClientPipelineOptions } from '@exops/psrp';
import {
  buildCommandEnvelope,
  buildCreateEnvelope,
  buildDeleteEnvelope,
  buildEnumerateShellsEnvelope,
  buildGetShellEnvelope,
  buildReceiveEnvelope,
  buildSendEnvelope,
  buildSignalEnvelope,
  parseWsmanResponse,
  type WsmanEnvelopeContext,
  type WsmanResponse,
} from '@exops/wsman';
import type { EmulatorRequest, EmulatorResponse } from '../../types.js';

export interface DriverOptions {
  readonly handle: (request: EmulatorRequest) => Promise<EmulatorResponse>;
  readonly upn: string;
  readonly token: string;
  /** Extra query text after BasicAuthToOAuthConversion=true, e.g. `&DelegatedOrg=fabrikam.com`. */
  readonly query?: string;
  readonly path?: string;
  /** Seconds; default 1 so long-polls stay short. */
  readonly operationTimeout?: number;
  readonly maxEnvelopeSize?: number;
  readonly resourceUri?: string;
}

export interface DriverReply {
  readonly http: EmulatorResponse;
  readonly wsman: WsmanResponse;
  readonly xml: string;
}

export class RpsDriver {
  readonly ctx: WsmanEnvelopeContext;
  readonly url: URL;
  /** Every server→client fragment blob received, for decoding checks. */
  readonly receivedBlobs: Uint8Array[] = [];
  token: string;
  pool: RunspacePoolClient | undefined;

  constructor(readonly options: DriverOptions) {
    this.token = options.token;
    this.url = new URL(`https://outlook.office365.com${options.path ?? '/PowerShell-LiveID'}?BasicAuthToOAuthConversion=true${options.query ?? ''}`);
    this.ctx = {
      to: this.url.toString(),
      sessionId: globalThis.crypto.randomUUID(),
      operationTimeout: options.operationTimeout ?? 1,
      maxEnvelopeSize: options.maxEnvelopeSize ?? 512000,
      ...(options.resourceUri === undefined ? {} : { resourceUri: options.resourceUri }),
    };
  }

  authorization(): string {
    return `Basic ${Buffer.from(`${this.options.upn}:Bearer ${this.token}`).toString('base64')}`;
  }

  async post(xml: string, headers: Record<string, string> = { authorization: this.authorization() }): Promise<DriverReply> {
    const http = await this.options.handle({
      method: 'POST',
      url: this.url,
      headers: { 'content-type': 'application/soap+xml;charset=UTF-8', ...headers },
      body: Buffer.from(xml, 'utf8'),
      remoteAddress: '127.0.0.1',
    });
    const text = http.body === undefined ? '' : http.body.toString();
    const wsman = http.status === 200 || http.status === 500 ? parseWsmanResponse(text) : ({ kind: 'fault', header: {}, fault: undefined } as unknown as WsmanResponse);
    return { http, wsman, xml: text };
  }

  /** Create only. */
  async create(): Promise<DriverReply> {
    this.pool = new RunspacePoolClient();
    const creationXml = Buffer.from(this.pool.open()).toString('base64');
    return this.post(buildCreateEnvelope(this.ctx, { shellId: this.pool.id.toUpperCase(), creationXml }).xml);
  }

  get shellId(): string {
    if (this.pool === undefined) throw new Error('not created');
    return this.pool.id.toUpperCase();
  }

  /** One Receive; feeds the pool client and returns its events. */
  async receive(commandId?: string): Promise<{ reply: DriverReply; events: ClientEvent[] }> {
    const reply = await this.post(buildReceiveEnvelope(this.ctx, { shellId: this.shellId, ...(commandId === undefined ? {} : { commandId }) }).xml);
    const events: ClientEvent[] = [];
    if (reply.wsman.kind === 'receive') {
      for (const stream of reply.wsman.streams) {
        this.receivedBlobs.push(stream.bytes);
        events.push(...(this.pool as RunspacePoolClient).receive(stream.bytes));
      }
    }
    return { reply, events };
  }

  /** Create + one pool Receive. */
  async open(): Promise<{ create: DriverReply; receive: DriverReply; events: ClientEvent[] }> {
    const create = await this.create();
    if (create.wsman.kind !== 'create') return { create, receive: create, events: [] };
    const { reply, events } = await this.receive();
    return { create, receive: reply, events };
  }

  async command(options: ClientPipelineOptions): Promise<{ pipeline: ClientPipeline; reply: DriverReply }> {
    const pipeline = (this.pool as RunspacePoolClient).createPipeline(options);
    const args = Buffer.from(pipeline.start()[0] as Uint8Array);
    const reply = await this.post(buildCommandEnvelope(this.ctx, { shellId: this.shellId, commandId: pipeline.id.toUpperCase(), arguments: args.toString('base64') }).xml);
    return { pipeline, reply };
  }

  async send(commandId: string | undefined, data: Uint8Array): Promise<DriverReply> {
    return this.post(buildSendEnvelope(this.ctx, { shellId: this.shellId, ...(commandId === undefined ? {} : { commandId }), data: Buffer.from(data).toString('base64') }).xml);
  }

  /** Receives until CommandState Done (retrying TimedOut), collecting events and the replies. */
  async receiveAll(commandId: string, limit = 200): Promise<{ events: ClientEvent[]; replies: DriverReply[] }> {
    const events: ClientEvent[] = [];
    const replies: DriverReply[] = [];
    for (let i = 0; i < limit; i++) {
      const { reply, events: got } = await this.receive(commandId);
      replies.push(reply);
      events.push(...got);
      if (reply.wsman.kind === 'fault') {
        if (reply.wsman.fault.subcode === 'TimedOut') continue;
        return { events, replies };
      }
      if (reply.wsman.kind === 'receive' && reply.wsman.commandState?.state === 'Done') return { events, replies };
    }
    throw new Error(`no CommandState Done after ${limit} Receives`);
  }

  async signal(commandId: string, code: string): Promise<DriverReply> {
    return this.post(buildSignalEnvelope(this.ctx, { shellId: this.shellId, commandId, code }).xml);
  }

  async delete(): Promise<DriverReply> {
    return this.post(buildDeleteEnvelope(this.ctx, { shellId: this.shellId }).xml);
  }

  async get(): Promise<DriverReply> {
    return this.post(buildGetShellEnvelope(this.ctx, { shellId: this.shellId }).xml);
  }

  async enumerate(): Promise<DriverReply> {
    return this.post(buildEnumerateShellsEnvelope(this.ctx).xml);
  }
}

/** Decodes every server message in the blobs (fragments reassembled per ObjectId): the `exops decode` path. */
export function decodeServerBlobs(blobs: readonly Uint8Array[]): string[] {
  const parts = new Map<bigint, Uint8Array[]>();
  const types: string[] = [];
  for (const blob of blobs) {
    for (const fragment of parseFragments(blob)) {
      const list = parts.get(fragment.objectId) ?? [];
      list.push(fragment.blob);
      parts.set(fragment.objectId, list);
      if (fragment.end) {
        types.push(decodeMessage(Buffer.concat(list)).messageType);
        parts.delete(fragment.objectId);
      }
    }
  }
  return types;
}
