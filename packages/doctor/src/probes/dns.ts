import { lookup } from 'node:dns/promises';
import type { DnsProbe } from '../types.js';

/** Resolves through the OS resolver (`getaddrinfo`), as every connection does: hosts file, VPN DNS and all. */
export function createDnsProbe(): DnsProbe {
  return {
    async lookup(host) {
      try {
        const answers = await lookup(host, { all: true, verbatim: true });
        return { ok: true, addresses: answers.map((a) => a.address) };
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        return { ok: false, code: e.code ?? 'EDNS', message: e.message };
      }
    },
  };
}
