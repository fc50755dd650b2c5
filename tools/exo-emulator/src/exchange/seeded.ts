/**
 * Deterministic derivation from the tenant seed: every generated value is a pure function of (seed, label), so
 * mailbox i can be built on demand without building the ones before it, and one seed always gives one tenant.
 */
import { createHash } from 'node:crypto';

/** 32 bytes derived from the seed and a label. */
export function deriveBytes(seed: string, label: string): Buffer {
  return createHash('sha256').update(seed).update('\u0000').update(label).digest();
}

/** A version-4-shaped GUID derived from the seed and a label. */
export function deriveGuid(seed: string, label: string): string {
  return formatGuid(deriveBytes(seed, label));
}

/** The index carried by {@link deriveIndexedGuid}, or undefined when the text is not a GUID. */
export function indexFromGuid(text: string): number | undefined {
  if (!GUID_PATTERN.test(text)) return undefined;
  return Number.parseInt(text.slice(24), 16);
}

/** A GUID in its 8-4-4-4-12 text form. */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function formatGuid(source: Buffer): string {
  const b = Buffer.from(source.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A fast generator for the fields of one generated object: one SHA-256 of (seed, label) seeds an sfc32 stream, so a
 * record costs one hash however many fields it draws.
 */
export function createRecordRandom(seed: string, label: string): () => number {
  const bytes = deriveBytes(seed, label);
  let a = bytes.readUInt32BE(0);
  let b = bytes.readUInt32BE(4);
  let c = bytes.readUInt32BE(8);
  let d = bytes.readUInt32BE(12);
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
}

/**
 * A GUID carrying `index` in its last 12 hex digits, the first 20 mixed from a per-kind key and the index (no hash
 * per GUID: a million lookups stay cheap). Use {@link indexFromGuid} to read the index back.
 */
export function createIndexedGuidFactory(seed: string, label: string): (index: number) => string {
  const key = deriveBytes(seed, label);
  const k = [key.readUInt32BE(0), key.readUInt32BE(4), key.readUInt32BE(8)];
  const mix = (x: number): number => {
    let h = x >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return (h ^ (h >>> 16)) >>> 0;
  };
  return (index) => {
    const out = Buffer.alloc(16);
    out.writeUInt32BE(mix((k[0] as number) ^ index), 0);
    out.writeUInt32BE(mix((k[1] as number) ^ Math.imul(index, 0x9e3779b1)), 4);
    out.writeUInt16BE(mix((k[2] as number) ^ (index + 0x7f4a7c15)) & 0xffff, 8);
    out.writeUIntBE(index, 10, 6);
    out[6] = ((out[6] ?? 0) & 0x0f) | 0x40;
    out[8] = ((out[8] ?? 0) & 0x3f) | 0x80;
    const hex = out.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  };
}
