/**
 * Fuzzing the fragment decoder and the message decoder (deterministic CI slice): real fragment runs from the pypsrp
 * recordings, mutated (bit flips, truncation, insertion, deletion, splicing, duplication, huge BlobLengths), and random
 * bytes. Only typed errors may escape, no input may take a second, and caps hold before any allocation.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExopsErrorCode } from '@exops/contracts';
import {
  chunks,
  countTypedErrors,
  extractPsrpBlobs,
  listPsrpRecordings,
  loadPypsrpRecording,
  mutateBytes,
  mutatedFrom as mutatedFromSeeds,
  mutationArbitrary,
  typedOnly,
  type Mutation,
} from '@exops/test-vectors';
import { Defragmenter, FRAGMENT_HEADER_SIZE, decodeMessage, parseFragments } from './index.js';

const SEED = 0x5eed_f7a9;

function blobsOf(envelope: string): Uint8Array[] {
  return extractPsrpBlobs(envelope)
    .filter((b) => b.location !== 'Stream' || b.streamName !== 'stderr')
    .map((b) => new Uint8Array(Buffer.from(b.base64, 'base64')));
}

// A handful of recordings cover every message type; loading all 56 costs seconds of YAML for no new shapes.
const RECORDINGS = listPsrpRecordings().filter((_, i) => i % 4 === 0);
const fragmentSeeds: Uint8Array[] = [];
for (const name of RECORDINGS) {
  for (const exchange of loadPypsrpRecording(name).exchanges) {
    for (const blob of [...blobsOf(exchange.request), ...blobsOf(exchange.response)]) {
      if (fragmentSeeds.length < 120 && blob.length >= FRAGMENT_HEADER_SIZE) fragmentSeeds.push(blob);
    }
  }
}
const messageSeeds: Uint8Array[] = [];
for (const blob of fragmentSeeds) {
  try {
    for (const m of new Defragmenter().push(blob)) messageSeeds.push(m.data);
  } catch {
    // A blob that continues a message started in an earlier envelope: its fragments still seed the decoder above.
  }
}

type FragmentMutation = Mutation<'flip' | 'truncate' | 'insert' | 'delete' | 'splice' | 'duplicate' | 'hugeLength'>;

const fragmentMutation: fc.Arbitrary<FragmentMutation> = mutationArbitrary(
  ['flip', 'truncate', 'insert', 'delete', 'splice', 'duplicate', 'hugeLength'] as const,
  fc.uint8Array({ minLength: 1, maxLength: 24 }),
);

/** Fragment-aware: hugeLength hits a BlobLength field. */
function hugeLength(input: Uint8Array, m: Mutation<string>): Uint8Array {
  const out = input.slice();
  // [MS-PSRP] 2.2.4: BlobLength is the u32 at offset 17 of the first header.
  if (out.length >= FRAGMENT_HEADER_SIZE) new DataView(out.buffer, out.byteOffset).setUint32(17, 0xffff_ffff - (m.b % 1024), false);
  return out;
}

const mutate = (input: Uint8Array, m: FragmentMutation, other: Uint8Array): Uint8Array => mutateBytes(input, m, other, { deleteMax: 64, duplicateMax: 256, custom: hugeLength });
const mutatedFrom = (seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> => mutatedFromSeeds(seeds, fragmentMutation, mutate);

const FRAGMENT_CODES = [ExopsErrorCode.PSRP_FRAGMENT, ExopsErrorCode.PSRP_LIMIT];
const MAX_MESSAGE = 1 << 20;

function defragmentAll(parts: readonly Uint8Array[]): Uint8Array[] {
  const d = new Defragmenter({ maxMessageSize: MAX_MESSAGE, maxBufferedBytes: 2 * MAX_MESSAGE, maxPendingMessages: 16 });
  const out: Uint8Array[] = [];
  for (const part of parts) for (const m of d.push(part)) out.push(m.data);
  d.finish();
  return out;
}

describe('fragment decoder under mutation', () => {
  it('has seeds from real recordings', () => {
    expect(fragmentSeeds.length).toBeGreaterThan(40);
    expect(messageSeeds.length).toBeGreaterThan(20);
  });

  it('Defragmenter: mutated recorded fragment runs, pushed in random chunks, give messages or typed errors', () => {
    let errors = 0;
    fc.assert(
      fc.property(mutatedFrom(fragmentSeeds), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        if (typedOnly(FRAGMENT_CODES, () => defragmentAll(chunks(bytes, cuts)).forEach((m) => expect(m.length).toBeLessThanOrEqual(MAX_MESSAGE))) === 'error') errors++;
      }),
      { seed: SEED, numRuns: 3_000 },
    );
    // The mutations must actually reach the error paths, or this test proves nothing.
    expect(errors).toBeGreaterThan(1_000);
  });

  it('Defragmenter: an unmutated run split anywhere gives the same messages as the whole run', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fragmentSeeds), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        let whole: Uint8Array[] | undefined;
        try {
          whole = defragmentAll([bytes]);
        } catch {
          return; // continues a message from an earlier envelope
        }
        expect(defragmentAll(chunks(bytes, cuts)).map((m) => Buffer.from(m).toString('hex'))).toEqual(whole.map((m) => Buffer.from(m).toString('hex')));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('parseFragments and Defragmenter on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        typedOnly(FRAGMENT_CODES, () => parseFragments(bytes));
        typedOnly(FRAGMENT_CODES, () => defragmentAll([bytes]));
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('a header claiming a 4 GB blob is refused at the header, before any data is buffered', () => {
    const header = Buffer.alloc(FRAGMENT_HEADER_SIZE);
    header.writeBigUInt64BE(1n, 0);
    header[16] = 0x03;
    header.writeUInt32BE(0xffff_ffff, 17);
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    const d = new Defragmenter();
    expect(() => d.push(header)).toThrow(expect.objectContaining({ code: ExopsErrorCode.PSRP_LIMIT, message: expect.stringMatching(/grows past 67108864 bytes/) }));
    // The stream is dead after that: further bytes are refused, not buffered.
    expect(() => d.push(new Uint8Array(1024))).toThrow(expect.objectContaining({ code: ExopsErrorCode.PSRP_FRAGMENT }));
    expect(performance.now() - started).toBeLessThan(100);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    expect(() => parseFragments(header)).toThrow(expect.objectContaining({ code: ExopsErrorCode.PSRP_FRAGMENT, message: expect.stringMatching(/declares 4294967295 data bytes/) }));
  });

  it('many small fragments of one endless message stop at maxMessageSize, and interleaved ObjectIds at maxPendingMessages', () => {
    const fragment = (objectId: bigint, fragmentId: bigint, start: boolean, size: number): Uint8Array => {
      const out = Buffer.alloc(FRAGMENT_HEADER_SIZE + size);
      out.writeBigUInt64BE(objectId, 0);
      out.writeBigUInt64BE(fragmentId, 8);
      out[16] = start ? 0x01 : 0x00;
      out.writeUInt32BE(size, 17);
      return out;
    };
    const d = new Defragmenter({ maxMessageSize: 64 * 1024 });
    let error: unknown;
    for (let i = 0n; i < 1_000n && error === undefined; i++) {
      try {
        d.push(fragment(1n, i, i === 0n, 1_000));
      } catch (e) {
        error = e;
      }
    }
    expect(error).toMatchObject({ code: ExopsErrorCode.PSRP_LIMIT });
    const p = new Defragmenter({ maxPendingMessages: 8 });
    expect(() => {
      for (let id = 1n; id <= 9n; id++) p.push(fragment(id, 0n, true, 1));
    }).toThrow(expect.objectContaining({ code: ExopsErrorCode.PSRP_LIMIT }));
  });
});

describe('message decoder under mutation', () => {
  it('decodeMessage: mutated recorded messages decode consistently or fail with PSRP_MESSAGE', () => {
    const errors = countTypedErrors(
      mutatedFrom(messageSeeds),
      [ExopsErrorCode.PSRP_MESSAGE],
      (bytes) => {
        const m = decodeMessage(bytes);
        expect(m.rpid.length).toBe(16);
        expect(m.pid.length).toBe(16);
        expect(m.data.length).toBe(bytes.length - 40 - (m.hasBom ? 3 : 0));
      },
      { seed: SEED, numRuns: 3_000 },
    );
    expect(errors).toBeGreaterThan(100);
  });

  it('decodeMessage on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        typedOnly([ExopsErrorCode.PSRP_MESSAGE], () => decodeMessage(bytes));
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });
});
