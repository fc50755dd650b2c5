import { describe, expect, it } from 'vitest';
import { extractPsrpBlobs, loadPypsrpRecording } from '@exops/test-vectors';
import { ExopsErrorCode } from '@exops/contracts';
import { buildCommandEnvelope, buildSendEnvelope, type WsmanEnvelopeContext } from './request-builders.js';
import {
  commandEnvelopeOverhead,
  computeMaxFragmentSize,
  computePayloadCapacity,
  encodeFragmentsBase64,
  envelopeByteLength,
  measureEnvelopeOverhead,
  planCommandAndSends,
  PSRP_CONSERVATIVE_FRAGMENT_LENGTH,
  PSRP_FRAGMENT_HEADER_LENGTH,
  sendEnvelopeOverhead,
} from './sizing.js';
import { parseWsmanRequest } from './request-parser.js';

const SHELL = '76056A84-51DC-4F24-9262-CA2A55464B2B';
const COMMAND = '17F850F9-52AA-477F-B6EE-868C72E7AB70';

/** A fragment of `total` bytes (header + blob) with a valid [MS-PSRP] 2.2.4 header. */
function fragment(total: number, objectId = 1n, fragmentId = 0n, flags = 3): Uint8Array {
  const buf = Buffer.alloc(total, 0x41);
  buf.writeBigUInt64BE(objectId, 0);
  buf.writeBigUInt64BE(fragmentId, 8);
  buf.writeUInt8(flags, 16);
  buf.writeUInt32BE(total - PSRP_FRAGMENT_HEADER_LENGTH, 17);
  return new Uint8Array(buf);
}

function splitFragments(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const buf = Buffer.from(bytes);
  for (let at = 0; at < buf.length; ) {
    const len = PSRP_FRAGMENT_HEADER_LENGTH + buf.readUInt32BE(at + 17);
    out.push(new Uint8Array(buf.subarray(at, at + len)));
    at += len;
  }
  return out;
}

describe('envelope sizing', () => {
  for (const maxEnvelopeSize of [32768, 153600, 512000]) {
    const ctx: WsmanEnvelopeContext = { to: 'https://outlook.office365.com/PowerShell-LiveID?BasicAuthToOAuthConversion=true', sessionId: SHELL, maxEnvelopeSize };

    it(`fills a Command and a Send exactly up to MaxEnvelopeSize ${maxEnvelopeSize}`, () => {
      const cases = [
        { overhead: commandEnvelopeOverhead(ctx, { shellId: SHELL, commandId: COMMAND }), build: (data: string) => buildCommandEnvelope(ctx, { shellId: SHELL, commandId: COMMAND, arguments: data }) },
        { overhead: sendEnvelopeOverhead(ctx, { shellId: SHELL, commandId: COMMAND, stream: 'stdin' }), build: (data: string) => buildSendEnvelope(ctx, { shellId: SHELL, commandId: COMMAND, data }) },
      ];
      for (const { overhead, build } of cases) {
        const { maxFragmentLength, maxBlobLength } = computeMaxFragmentSize({ maxEnvelopeSize, envelopeOverhead: overhead });
        expect(maxBlobLength).toBe(maxFragmentLength - 21);
        const fits = build(encodeFragmentsBase64([fragment(maxFragmentLength)]));
        expect(envelopeByteLength(fits)).toBeLessThanOrEqual(maxEnvelopeSize);
        // Within one base64 quantum (4 characters) of the limit: nothing is wasted.
        expect(maxEnvelopeSize - envelopeByteLength(fits)).toBeLessThan(4);
        const tooBig = build(encodeFragmentsBase64([fragment(maxFragmentLength + 1)]));
        expect(envelopeByteLength(tooBig)).toBeGreaterThan(maxEnvelopeSize);
        expect(measureEnvelopeOverhead(fits, encodeFragmentsBase64([fragment(maxFragmentLength)]))).toBe(overhead);
      }
    });

    it(`plans a large message over Command + Sends within ${maxEnvelopeSize}`, () => {
      const commandOverhead = commandEnvelopeOverhead(ctx, { shellId: SHELL, commandId: COMMAND });
      const sendOverhead = sendEnvelopeOverhead(ctx, { shellId: SHELL, commandId: COMMAND });
      const capacities = {
        command: computePayloadCapacity({ maxEnvelopeSize, envelopeOverhead: commandOverhead }),
        send: computePayloadCapacity({ maxEnvelopeSize, envelopeOverhead: sendOverhead }),
      };
      const size = computeMaxFragmentSize({ maxEnvelopeSize, envelopeOverhead: Math.max(commandOverhead, sendOverhead), cap: PSRP_CONSERVATIVE_FRAGMENT_LENGTH }).maxFragmentLength;
      expect(size).toBeLessThanOrEqual(32768);
      const fragments = Array.from({ length: 12 }, (_, i) => fragment(i === 11 ? 100 : size, 5n, BigInt(i), i === 0 ? 1 : i === 11 ? 2 : 0));
      const plan = planCommandAndSends(fragments, capacities);
      expect(plan.command.length).toBeGreaterThanOrEqual(1);
      const flat = [...plan.command, ...plan.sends.flat()];
      expect(flat.length).toBe(fragments.length);
      expect(flat.every((f, i) => f === fragments[i])).toBe(true);
      expect(envelopeByteLength(buildCommandEnvelope(ctx, { shellId: SHELL, commandId: COMMAND, arguments: encodeFragmentsBase64(plan.command) }))).toBeLessThanOrEqual(maxEnvelopeSize);
      for (const group of plan.sends) {
        expect(envelopeByteLength(buildSendEnvelope(ctx, { shellId: SHELL, commandId: COMMAND, data: encodeFragmentsBase64(group) }))).toBeLessThanOrEqual(maxEnvelopeSize);
      }
      // Greedy: each envelope but the last could not have taken the next fragment.
      const groups = [plan.command, ...plan.sends];
      for (let g = 0; g < groups.length - 1; g++) {
        const used = (groups[g] ?? []).reduce((n, f) => n + f.length, 0);
        const cap = g === 0 ? capacities.command : capacities.send;
        expect(used + (groups[g + 1]?.[0]?.length ?? 0)).toBeGreaterThan(cap);
      }
    });
  }

  it('accepts what pypsrp sent at MaxEnvelopeSize 32768 (test_psrp_small_msg_size.yml)', () => {
    const { exchanges } = loadPypsrpRecording('test_psrp_small_msg_size.yml');
    let checked = 0;
    for (const ex of exchanges) {
      const req = parseWsmanRequest(ex.request);
      if (req.header.maxEnvelopeSize !== 32768) continue;
      expect(envelopeByteLength(ex.request)).toBeLessThanOrEqual(32768);
      for (const blob of extractPsrpBlobs(ex.request)) {
        const capacity = computePayloadCapacity({ maxEnvelopeSize: 32768, envelopeOverhead: measureEnvelopeOverhead(ex.request, blob.base64) });
        const fragments = splitFragments(new Uint8Array(Buffer.from(blob.base64, 'base64')));
        expect(fragments.reduce((n, f) => n + f.length, 0)).toBeLessThanOrEqual(capacity);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2);
  });

  it('refuses a fragment larger than an envelope and an impossible budget', () => {
    expect(() => planCommandAndSends([fragment(5000)], { command: 4000, send: 8000 })).toThrow(expect.objectContaining({ code: ExopsErrorCode.INVALID_ARGUMENT }));
    expect(() => planCommandAndSends([], { command: 4000, send: 4000 })).toThrow(/at least one fragment/);
    expect(() => computePayloadCapacity({ maxEnvelopeSize: 8192, envelopeOverhead: 8190 })).toThrow(/no room/);
    expect(() => computePayloadCapacity({ maxEnvelopeSize: 4096, envelopeOverhead: 10 })).toThrow(/8192/);
  });

  it('computes capacity as floor(free / 4) × 3', () => {
    expect(computePayloadCapacity({ maxEnvelopeSize: 153600, envelopeOverhead: 1600 })).toBe(114000);
    expect(computePayloadCapacity({ maxEnvelopeSize: 153600, envelopeOverhead: 1601 })).toBe(113997);
    expect(computePayloadCapacity({ maxEnvelopeSize: 153600, envelopeOverhead: 1600, safetyMargin: 4 })).toBe(113997);
  });
});
