import { describe, expect, it } from 'vitest';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { loadPsrpcoreOracle } from '@exops/test-vectors';
import { Defragmenter, buildFragment, concatBytes, encodeFragments, parseFragments, type Fragment } from './fragment.js';
import { psrpExchanges } from './test-support/recordings.js';

const oracle = loadPsrpcoreOracle();
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** A fragment built by hand, as pg-protocol's test buffers do. */
function frag(objectId: number, fragmentId: number, flags: string, blob: string | Uint8Array): Uint8Array {
  const data = typeof blob === 'string' ? new TextEncoder().encode(blob) : blob;
  return buildFragment({ objectId: BigInt(objectId), fragmentId: BigInt(fragmentId), start: flags.includes('S'), end: flags.includes('E'), blob: data });
}

function expectCode(fn: () => unknown, code: string, ...fragments: RegExp[]): ExopsError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ExopsError);
  const e = caught as ExopsError;
  expect(e.code).toBe(code);
  expect(e.remedy).toBeTruthy();
  for (const f of fragments) expect(e.message).toMatch(f);
  return e;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('encodeFragments', () => {
  it('writes the oracle header for a single-fragment message', () => {
    const f = oracle.client_open.fragments[0];
    const blob = Buffer.from(f.fragment_hex, 'hex').subarray(21);
    const [encoded] = encodeFragments(1n, new Uint8Array(blob), 32768);
    expect(Buffer.from(encoded!).toString('hex')).toBe(f.fragment_hex);
    expect(Buffer.from(encoded!.subarray(0, 21)).toString('hex')).toBe('0000000000000001000000000000000003000000c7');
  });

  it('splits with Start only on the first, End only on the last, each ≤ maxFragmentSize', () => {
    const message = new Uint8Array(1000).map((_, i) => i & 0xff);
    const out = encodeFragments(9n, message, 121);
    expect(out).toHaveLength(10);
    const parsed = out.map((f) => parseFragments(f)[0]!);
    expect(parsed.map((p) => [p.fragmentId, p.start, p.end])).toEqual(parsed.map((_, i) => [BigInt(i), i === 0, i === 9]));
    for (const f of out) expect(f.length).toBeLessThanOrEqual(121);
    expect(concatBytes(parsed.map((p) => p.blob))).toEqual(message);
  });

  it('an empty message is one S|E fragment; bad arguments are refused', () => {
    const [only] = encodeFragments(1n, new Uint8Array(0), 32768);
    expect(parseFragments(only!)[0]).toMatchObject({ start: true, end: true, blob: new Uint8Array(0) });
    expectCode(() => encodeFragments(0n, new Uint8Array(1), 100), ExopsErrorCode.PSRP_FRAGMENT, /ObjectId 0/);
    expectCode(() => encodeFragments(1n, new Uint8Array(1), 21), ExopsErrorCode.PSRP_FRAGMENT, /maxFragmentSize 21/);
  });
});

describe('parseFragments', () => {
  it('rejects a truncated header and a length past the end', () => {
    expectCode(() => parseFragments(frag(1, 0, 'SE', 'abc').subarray(0, 20)), ExopsErrorCode.PSRP_FRAGMENT, /Truncated fragment header/);
    expectCode(() => parseFragments(frag(4, 2, 'SE', 'abcdef').subarray(0, 25)), ExopsErrorCode.PSRP_FRAGMENT, /ObjectId 4 FragmentId 2 declares 6/);
  });

  it('rejects reserved flag bits', () => {
    const bad = frag(1, 0, 'SE', 'x');
    bad[16] = 0x07;
    expectCode(() => parseFragments(bad), ExopsErrorCode.PSRP_FRAGMENT, /reserved flag bits/, /0x07/);
  });
});

describe('Defragmenter', () => {
  it('reassembles interleaved objects and returns each when its End arrives', () => {
    const d = new Defragmenter();
    const out = d.push(concatBytes([frag(1, 0, 'S', 'ab'), frag(2, 0, 'S', 'x'), frag(1, 1, '', 'cd'), frag(2, 1, 'E', 'y'), frag(1, 2, 'E', 'e')]));
    expect(out.map((m) => [m.objectId, text(m.data)])).toEqual([
      [2n, 'xy'],
      [1n, 'abcde'],
    ]);
    expect(d.idle).toBe(true);
    d.finish();
  });

  it('accepts a zero-length End fragment and copies input (callers may reuse buffers)', () => {
    const d = new Defragmenter();
    const first = frag(3, 0, 'S', 'abc');
    d.push(first);
    first.fill(0);
    const [m] = d.push(frag(3, 1, 'E', ''));
    expect(text(m!.data)).toBe('abc');
  });

  it('rejects out-of-order, duplicate, orphan and misnumbered fragments, naming ObjectId and FragmentId', () => {
    expectCode(() => new Defragmenter().push(concatBytes([frag(5, 0, 'S', 'a'), frag(5, 2, 'E', 'b')])), ExopsErrorCode.PSRP_FRAGMENT, /Out-of-order/, /ObjectId 5 FragmentId 2, expecting FragmentId 1/);
    expectCode(() => new Defragmenter().push(concatBytes([frag(5, 0, 'S', 'a'), frag(5, 1, '', 'b'), frag(5, 1, 'E', 'b')])), ExopsErrorCode.PSRP_FRAGMENT, /Duplicate fragment/, /FragmentId 1/);
    expectCode(() => new Defragmenter().push(concatBytes([frag(5, 0, 'S', 'a'), frag(5, 0, 'S', 'a')])), ExopsErrorCode.PSRP_FRAGMENT, /Duplicate Start fragment for ObjectId 5/);
    expectCode(() => new Defragmenter().push(frag(6, 1, 'E', 'a')), ExopsErrorCode.PSRP_FRAGMENT, /ObjectId 6 FragmentId 1 continues a message whose Start fragment never arrived/);
    expectCode(() => new Defragmenter().push(frag(6, 3, 'SE', 'a')), ExopsErrorCode.PSRP_FRAGMENT, /Start fragment of ObjectId 6 has FragmentId 3/);
    expectCode(() => new Defragmenter().push(frag(0, 0, 'SE', 'a')), ExopsErrorCode.PSRP_FRAGMENT, /ObjectId 0/);
  });

  it('rejects reserved flags even when the header arrives one byte at a time', () => {
    const bad = frag(1, 0, 'SE', 'x');
    bad[16] = 0x80;
    const d = new Defragmenter();
    expectCode(() => {
      for (let i = 0; i < bad.length; i++) d.push(bad.subarray(i, i + 1));
    }, ExopsErrorCode.PSRP_FRAGMENT, /reserved flag bits/);
  });

  it('caps a message size before buffering it (bounded memory)', () => {
    const d = new Defragmenter({ maxMessageSize: 10 });
    d.push(frag(1, 0, 'S', '123456'));
    // Only the 21-byte header of the oversized fragment is needed to refuse it.
    const e = expectCode(() => d.push(frag(1, 1, 'E', '123456').subarray(0, 21)), ExopsErrorCode.PSRP_LIMIT, /ObjectId 1 grows past 10 bytes at FragmentId 1/);
    expect(e.details).toMatchObject({ objectId: '1', fragmentId: '1' });
    expectCode(() => new Defragmenter({ maxMessageSize: 4 }).push(frag(2, 0, 'SE', '12345').subarray(0, 21)), ExopsErrorCode.PSRP_LIMIT, /ObjectId 2/);
  });

  it('caps the bytes held across interleaved messages, and releases them when a message completes', () => {
    const d = new Defragmenter({ maxBufferedBytes: 10 });
    d.push(concatBytes([frag(1, 0, 'S', '1234'), frag(2, 0, 'S', '1234')]));
    expect(d.push(frag(1, 1, 'E', 'ab')).map((m) => text(m.data))).toEqual(['1234ab']);
    d.push(frag(3, 0, 'S', '12345'));
    expectCode(() => d.push(frag(2, 1, 'E', '12').subarray(0, 21)), ExopsErrorCode.PSRP_LIMIT, /more than 10 bytes at ObjectId 2 FragmentId 1/);
  });

  it('caps the number of interleaved messages', () => {
    const d = new Defragmenter({ maxPendingMessages: 2 });
    d.push(concatBytes([frag(1, 0, 'S', 'a'), frag(2, 0, 'S', 'a')]));
    expectCode(() => d.push(frag(3, 0, 'S', 'a')), ExopsErrorCode.PSRP_LIMIT, /More than 2 messages/);
  });

  it('finish() reports a truncated header, a truncated blob and a message without End', () => {
    const whole = frag(7, 0, 'S', 'abcdef');
    const d1 = new Defragmenter();
    d1.push(whole.subarray(0, 10));
    expectCode(() => d1.finish(), ExopsErrorCode.PSRP_FRAGMENT, /inside a fragment header \(10 of 21/);
    const d2 = new Defragmenter();
    d2.push(whole.subarray(0, 24));
    expectCode(() => d2.finish(), ExopsErrorCode.PSRP_FRAGMENT, /inside fragment ObjectId 7 FragmentId 0: 3 of 6/);
    const d3 = new Defragmenter();
    d3.push(whole);
    expectCode(() => d3.finish(), ExopsErrorCode.PSRP_FRAGMENT, /ObjectId 7 is missing FragmentId 1/);
  });

  it('refuses input after an error, since the stream position is lost', () => {
    const d = new Defragmenter();
    expect(() => d.push(frag(6, 1, 'E', 'a'))).toThrow();
    expectCode(() => d.push(frag(1, 0, 'SE', 'a')), ExopsErrorCode.PSRP_FRAGMENT, /already failed/);
  });

  it('reassembles recorded blobs split at every byte boundary', () => {
    // 11 server fragments of up to 32 747-byte blobs over 3 Receives, and a client message split over Command + Send.
    const cases: { name: string; blobs: Uint8Array[] }[] = [
      { name: 'test_client_fetch_file.yml', blobs: psrpExchanges('test_client_fetch_file.yml').flatMap((e) => e.response.map((b) => b.bytes)) },
      { name: 'test_psrp_small_msg_size.yml', blobs: psrpExchanges('test_psrp_small_msg_size.yml').flatMap((e) => e.request.map((b) => b.bytes)) },
      { name: 'loopback_pipeline', blobs: [b64(oracle.loopback_pipeline.payloads[0].base64)] },
    ];
    for (const { name, blobs } of cases) {
      const all = concatBytes(blobs);
      const reference = new Defragmenter().push(all);
      expect(reference.length, name).toBeGreaterThan(0);
      const referenceData = reference.map((m) => Buffer.from(m.data).toString('base64'));
      // Small inputs: every split point. Large ones: every byte of every fragment header, the bytes around each
      // header, and 40 points inside blobs (a full sweep of 360 KB is 360 000 reassemblies for no new case).
      const cuts = new Set<number>();
      if (all.length <= 20000) for (let c = 0; c <= all.length; c++) cuts.add(c);
      else {
        for (let off = 0; off < all.length; ) {
          for (let k = -1; k <= 22; k++) if (off + k >= 0 && off + k <= all.length) cuts.add(off + k);
          off += 21 + new DataView(all.buffer, all.byteOffset + off).getUint32(17, false);
        }
        for (let i = 0; i <= 40; i++) cuts.add(Math.floor((all.length * i) / 40));
      }
      for (const cut of cuts) {
        const d = new Defragmenter();
        const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
        d.finish();
        expect(got.length, `${name} cut ${cut}`).toBe(reference.length);
        expect(got.map((m) => Buffer.from(m.data).toString('base64'))).toEqual(referenceData);
      }
      // Every byte boundary of every fragment header and around blob edges: byte-by-byte feeding.
      const d = new Defragmenter();
      const got: Uint8Array[] = [];
      for (let i = 0; i < all.length; i += all.length > 20000 ? 997 : 1) got.push(...d.push(all.subarray(i, i + (all.length > 20000 ? 997 : 1))).map((m) => m.data));
      d.finish();
      expect(got.map((m) => Buffer.from(m).toString('base64'))).toEqual(referenceData);
    }
  });

  it('splits at every byte boundary, one byte at a time, for a multi-fragment interleaved stream', () => {
    const fragments: Fragment[] = [];
    const parts = [frag(1, 0, 'S', 'hello '), frag(2, 0, 'SE', ''), frag(1, 1, '', 'wor'), frag(3, 0, 'SE', 'x'), frag(1, 2, 'E', 'ld')];
    const all = concatBytes(parts);
    for (let a = 0; a <= all.length; a++) {
      for (let b = a; b <= all.length; b += 7) {
        const d = new Defragmenter();
        const got = [...d.push(all.subarray(0, a)), ...d.push(all.subarray(a, b)), ...d.push(all.subarray(b))];
        d.finish();
        expect(got.map((m) => `${m.objectId}:${text(m.data)}`)).toEqual(['2:', '3:x', '1:hello world']);
      }
    }
    expect(fragments).toHaveLength(0);
  });
});
