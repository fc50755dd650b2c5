import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isExopsError } from '@exops/contracts';
import { loadPsrpcoreOracle } from '@exops/test-vectors';
import { Defragmenter, RunspacePoolClient, RunspacePoolServer } from './index.js';

const oracle = loadPsrpcoreOracle();
const serverOpen = new Uint8Array(Buffer.from(oracle.loopback_open.server_to_client_base64, 'base64'));
const clientOpen = new Uint8Array(Buffer.from(oracle.client_open.creationXml_base64, 'base64'));

/** Runs `fn`; anything thrown must be an ExopsError with a remedy (never a TypeError or RangeError). */
function onlyExopsErrors(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (!isExopsError(error)) throw error;
    expect(error.remedy).toBeTruthy();
  }
}

describe('arbitrary bytes never escape as anything but ExopsError', () => {
  it('Defragmenter on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyExopsErrors(() => {
          const d = new Defragmenter({ maxMessageSize: 1 << 16 });
          d.push(bytes);
          d.finish();
        });
      }),
      { numRuns: 300 },
    );
  });

  it('client and server on recorded streams with bytes flipped', () => {
    const mutate = (base: Uint8Array) =>
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
        const copy = new Uint8Array(base);
        for (const [at, value] of edits) copy[at] = value;
        return copy;
      });
    fc.assert(
      fc.property(mutate(serverOpen), (bytes) => {
        onlyExopsErrors(() => {
          const client = new RunspacePoolClient({ runspacePoolId: oracle.client_open.runspace_pool_id, defragmenter: { maxMessageSize: 1 << 16 } });
          client.open();
          for (const e of client.receive(bytes)) if (e.type === 'invalidMessage') expect(isExopsError(e.error)).toBe(true);
          client.finish();
        });
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(mutate(clientOpen), (bytes) => {
        onlyExopsErrors(() => {
          const server = new RunspacePoolServer({ defragmenter: { maxMessageSize: 1 << 16 } });
          for (const e of server.receive(bytes)) if (e.type === 'invalidMessage') expect(isExopsError(e.error)).toBe(true);
          server.finish();
        });
      }),
      { numRuns: 300 },
    );
  });
});
