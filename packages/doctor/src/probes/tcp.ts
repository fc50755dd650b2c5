import { connect } from 'node:net';
import type { TcpConnectResult, TcpProbe } from '../types.js';

/** Opens a TCP connection and closes it at once; a connection that neither opens nor fails in time is ETIMEDOUT. */
export function createTcpProbe(): TcpProbe {
  return {
    connect(host, port, timeoutMs) {
      return new Promise<TcpConnectResult>((resolve) => {
        const started = performance.now();
        const socket = connect({ host, port });
        const finish = (result: TcpConnectResult): void => {
          clearTimeout(timer);
          socket.destroy();
          resolve(result);
        };
        const timer = setTimeout(
          () => finish({ ok: false, code: 'ETIMEDOUT', message: `no answer from ${host}:${port} within ${timeoutMs} ms` }),
          timeoutMs,
        );
        socket.once('connect', () =>
          finish({ ok: true, remoteAddress: socket.remoteAddress ?? host, elapsedMs: Math.round(performance.now() - started) }),
        );
        socket.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, code: error.code ?? 'ECONNECT', message: error.message }));
      });
    },
  };
}
