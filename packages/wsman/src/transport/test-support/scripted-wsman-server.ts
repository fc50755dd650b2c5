/** Test-only: a WS-Management server on 127.0.0.1 port 0 that answers each request from a script of steps. */
import type { ServerResponse } from 'node:http';
import { parseWsmanRequest, type ParsedWsmanRequest } from '../../protocol/index.js';
import { startTestServer, type RecordedRequest, type TestServer } from './servers.js';

/** What one step answers. `body` may be a recorded envelope: its RelatesTo is rewritten to the request's MessageID. */
export interface ScriptedReply {
  readonly status?: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  /** Destroy the socket instead of answering (a reset connection). */
  readonly destroy?: boolean;
}

export type ScriptStep = (request: ParsedWsmanRequest, raw: RecordedRequest) => ScriptedReply;

export interface ScriptedWsmanServer extends TestServer {
  readonly parsed: ParsedWsmanRequest[];
  readonly url: string;
}

/** Rewrites `a:RelatesTo` so a recorded response answers this request. */
export function answering(request: ParsedWsmanRequest, recordedResponse: string): string {
  return recordedResponse.replace(/(<a:RelatesTo>)[^<]*(<\/a:RelatesTo>)/, `$1${request.header.messageId ?? ''}$2`);
}

/** Answers the n-th request with the n-th step; a request beyond the script gets HTTP 599. */
export async function startScriptedWsmanServer(steps: readonly ScriptStep[]): Promise<ScriptedWsmanServer> {
  const parsed: ParsedWsmanRequest[] = [];
  let index = 0;
  const server = await startTestServer((raw, res: ServerResponse, req) => {
    const request = parseWsmanRequest(raw.body);
    parsed.push(request);
    const step = steps[index];
    index += 1;
    if (step === undefined) {
      res.statusCode = 599;
      res.end(`no scripted step for request #${index} (${request.kind})`);
      return;
    }
    const reply = step(request, raw);
    if (reply.destroy === true) {
      req.socket.destroy();
      return;
    }
    res.statusCode = reply.status ?? 200;
    res.setHeader('content-type', 'application/soap+xml;charset=UTF-8');
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    res.end(reply.body ?? '');
  });
  return { ...server, parsed, url: `${server.origin}/wsman` };
}
