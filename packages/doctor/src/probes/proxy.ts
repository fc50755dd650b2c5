import type { ProxyProbe } from '../types.js';
import { openConnectTunnel } from './tunnel.js';

/** Asks the proxy for a tunnel and closes it: the proxy's answer is the result. */
export function createProxyProbe(options: { readonly ca?: readonly string[] | undefined } = {}): ProxyProbe {
  return {
    async connect(proxyUrl, host, port, timeoutMs) {
      const tunnel = await openConnectTunnel(proxyUrl, host, port, timeoutMs, options.ca);
      tunnel.socket?.destroy();
      return { status: tunnel.status, statusText: tunnel.statusText };
    },
  };
}
