/**
 * Test-only WS-Management servers on 127.0.0.1 port 0: one that replays a pypsrp recording of a real Windows server
 * (answering each request with the next recorded response of the same action), and one driven by a handler for
 * scripted faults. Both keep every request, parsed, for assertions.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken } from '@exops/contracts';
import { createUndiciHttpTransport, parseWsmanRequest, buildSendResponse, buildSignalResponse, type ParsedWsmanRequest } from '@exops/wsman';
import type { HttpTransport } from '@exops/contracts';
import type { RecordedExchange } from '@exops/test-vectors';

export interface Reply {
  readonly status?: number;
  readonly body: string;
}

export type Handler = (request: ParsedWsmanRequest, raw: { readonly body: string; readonly headers: IncomingHttpHeaders; readonly url: string }) => Reply | Promise<Reply>;

export interface TestWsmanServer {
  readonly url: string;
  readonly requests: ParsedWsmanRequest[];
  readonly raw: { body: string; headers: IncomingHttpHeaders; url: string }[];
  close(): Promise<void>;
}

export async function startWsmanServer(handler: Handler): Promise<TestWsmanServer> {
  const requests: ParsedWsmanRequest[] = [];
  const raw: { body: string; headers: IncomingHttpHeaders; url: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { body, headers: req.headers, url: req.url ?? '' };
      raw.push(entry);
      let parsed: ParsedWsmanRequest;
      try {
        parsed = parseWsmanRequest(body);
      } catch (error) {
        res.statusCode = 598;
        res.end(`unparseable request: ${String(error)}`);
        return;
      }
      requests.push(parsed);
      Promise.resolve()
        .then(() => handler(parsed, entry))
        .then(
          (reply) => {
            if (res.destroyed) return;
            res.statusCode = reply.status ?? (/<s:Fault>/.test(reply.body) ? 500 : 200);
            res.setHeader('content-type', 'application/soap+xml;charset=UTF-8');
            res.end(reply.body);
          },
          (error: unknown) => {
            res.statusCode = 599;
            res.end(String(error));
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/powershell-liveid/`,
    requests,
    raw,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Rewrites `a:RelatesTo` so a recorded response answers this request. */
export function answering(request: ParsedWsmanRequest, recorded: string): string {
  return recorded.replace(/(<a:RelatesTo>)[^<]*(<\/a:RelatesTo>)/, `$1${request.header.messageId ?? ''}$2`);
}

function actionOf(envelope: string): string {
  return (/<(?:\w+:)?Action[^>]*>([^<]*)</.exec(envelope)?.[1] ?? '').split('/').pop()?.toLowerCase() ?? '';
}

/**
 * Replays `exchanges` in order: a request gets the next recorded response whose request had the same action. Send and
 * Signal carry no output, so they are answered by building the response when the recording has none next (pypsrp
 * before 0.4 sent no Terminate). Anything else out of order is answered with HTTP 599 naming the mismatch.
 */
export function replayHandler(exchanges: readonly RecordedExchange[]): Handler & { readonly remaining: () => number } {
  let next = 0;
  const handler = (request: ParsedWsmanRequest): Reply => {
    const kind = request.kind.toLowerCase();
    // Our client may split CREATE_PIPELINE into fewer Sends than pypsrp did: skip recorded Sends it does not make.
    while (kind !== 'send' && kind !== 'signal' && exchanges[next] !== undefined && ['send', 'signal'].includes(actionOf(exchanges[next]!.request))) next += 1;
    const ex = exchanges[next];
    if (ex !== undefined && actionOf(ex.request) === kind) {
      next += 1;
      const status = (ex.directives['transport_error'] as { code?: number } | undefined)?.code;
      return { body: answering(request, ex.response), ...(status === undefined ? {} : { status }) };
    }
    const ctx = { relatesTo: request.header.messageId ?? 'uuid:00000000-0000-0000-0000-000000000000' };
    if (kind === 'send') return { body: buildSendResponse(ctx).xml };
    if (kind === 'signal') return { body: buildSignalResponse(ctx).xml };
    return { status: 599, body: `replay: got ${kind}, recording expects ${ex === undefined ? 'nothing more' : actionOf(ex.request)} (exchange ${next})` };
  };
  return Object.assign(handler, { remaining: () => exchanges.length - next });
}

/** Streams (`<rsp:Stream ...>...</rsp:Stream>`) of a recorded ReceiveResponse. */
export function recordedStreams(response: string): string[] {
  return [...response.matchAll(/<rsp:Stream\b[^>]*>[^<]*<\/rsp:Stream>/g)].map((m) => m[0]);
}

/** One ReceiveResponse carrying the streams of two: the server sending all open messages at once. */
export function mergeReceiveResponses(first: RecordedExchange, second: RecordedExchange): RecordedExchange {
  const streams = recordedStreams(second.response).join('');
  return { ...first, response: first.response.replace('</rsp:ReceiveResponse>', `${streams}</rsp:ReceiveResponse>`) };
}

/** A token made at test time (never JWT-shaped). */
export function testToken(overrides: Partial<AccessToken> = {}): AccessToken {
  return {
    token: `test-token-${Math.random().toString(36).slice(2)}`,
    expiresOn: new Date(Date.now() + 3600_000),
    user: 'admin@contoso.onmicrosoft.com',
    tenantId: '11111111-2222-3333-4444-555555555555',
    scopes: ['https://outlook.office365.com/.default'],
    kind: 'delegated',
    clientId: 'fb78d390-0c51-40cd-8e17-fdbfab77341b',
    ...overrides,
  };
}

export function testHttp(): HttpTransport {
  return createUndiciHttpTransport({ proxy: false });
}
