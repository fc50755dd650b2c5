/** Test-only: real HTTP(S) servers and a CONNECT proxy on 127.0.0.1 port 0, counting sockets and requests. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { TestCertificate } from './certificates.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Which accepted socket carried it (1-based). */
  readonly socket: number;
}

export type TestHandler = (req: RecordedRequest, res: ServerResponse, raw: IncomingMessage) => unknown;

export interface TestServer {
  readonly origin: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Sockets accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

function track(server: net.Server): { sockets: Set<Socket>; count: () => number; ids: WeakMap<Socket, number> } {
  const sockets = new Set<Socket>();
  const ids = new WeakMap<Socket, number>();
  let n = 0;
  server.on('connection', (socket: Socket) => {
    n += 1;
    ids.set(socket, n);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return { sockets, count: () => n, ids };
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function shut(server: net.Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** An HTTP server (HTTPS when `tls` is given) answering with `handler`. */
export async function startTestServer(handler: TestHandler, tls?: TestCertificate): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  let tracker: ReturnType<typeof track> | undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socketId = tracker?.ids.get(req.socket) ?? tracker?.ids.get((req.socket as unknown as { _parent?: Socket })._parent as Socket) ?? 0;
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        socket: socketId,
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res, req)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  };
  const server = tls === undefined ? http.createServer(onRequest) : https.createServer({ cert: tls.certPem, key: tls.keyPem }, onRequest);
  // TLS servers report the raw TCP socket in 'connection' and the TLS socket in requests; count secure sockets there.
  tracker = track(server);
  if (tls !== undefined) {
    server.on('secureConnection', (socket: Socket) => {
      tracker?.ids.set(socket, tracker.count());
    });
  }
  const port = await listen(server);
  return {
    origin: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => tracker?.count() ?? 0,
    close: () => shut(server, tracker?.sockets ?? new Set()),
  };
}

export interface TestProxy {
  readonly url: string;
  /** The `host:port` targets of CONNECT requests, in order. */
  readonly tunnels: string[];
  /** Proxy-Authorization headers seen. */
  readonly authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/** A CONNECT proxy; `refuseWith` answers every CONNECT with that status instead of tunnelling. */
export async function startConnectProxy(options: { refuseWith?: number } = {}): Promise<TestProxy> {
  const tunnels: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const server = http.createServer((_req, res) => {
    res.statusCode = 405;
    res.end('CONNECT only');
  });
  const tracker = track(server);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    authorizations.push(req.headers['proxy-authorization']);
    tracker.sockets.add(client);
    if (options.refuseWith !== undefined) {
      client.end(`HTTP/1.1 ${options.refuseWith} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    tracker.sockets.add(upstream);
    upstream.on('close', () => tracker.sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, tunnels, authorizations, close: () => shut(server, tracker.sockets) };
}

/** A port with nothing listening on it (bound, then released). */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
