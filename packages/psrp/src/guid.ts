import { ExopsError, ExopsErrorCode } from '@exops/contracts';

const GUID_PATTERN = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

/** The all-zero GUID as it appears in a message header for pool messages. */
export const EMPTY_GUID_BYTES: Uint8Array = new Uint8Array(16);

/**
 * A GUID string to its 16 wire bytes in .NET `Guid.ToByteArray()` order ([MS-PSRP] 2.2.1: the first three groups
 * little-endian, the last eight bytes as written; Python's `uuid.bytes_le`).
 */
export function guidToBytes(guid: string): Uint8Array {
  const m = GUID_PATTERN.exec(guid);
  if (m === null) {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `'${guid}' is not a GUID`, {
      remedy: 'Pass a GUID such as 76056a84-51dc-4f24-9262-ca2a55464b2b, or 16 raw bytes.',
    });
  }
  const hex = m.slice(1).join('');
  const be = Buffer.from(hex, 'hex');
  const out = new Uint8Array(16);
  out.set([be[3]!, be[2]!, be[1]!, be[0]!, be[5]!, be[4]!, be[7]!, be[6]!], 0);
  out.set(be.subarray(8), 8);
  return out;
}

/** 16 wire bytes in .NET order to the lower-case GUID string. */
export function guidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `A GUID is 16 bytes, got ${bytes.length}`, {
      remedy: 'Pass exactly the 16 RPID/PID bytes of a message header.',
    });
  }
  const b = bytes;
  const h = (i: number): string => b[i]!.toString(16).padStart(2, '0');
  return (
    h(3) + h(2) + h(1) + h(0) + '-' + h(5) + h(4) + '-' + h(7) + h(6) + '-' + h(8) + h(9) + '-' +
    h(10) + h(11) + h(12) + h(13) + h(14) + h(15)
  );
}

/** A GUID given as a string or as the raw 16 header bytes, normalized to the raw bytes (copied). */
export function toGuidBytes(guid: string | Uint8Array): Uint8Array {
  if (typeof guid === 'string') return guidToBytes(guid);
  if (guid.length !== 16) return guidFromBytes(guid) as never;
  return new Uint8Array(guid);
}

/** A random GUID in .NET byte order. */
export function randomGuidBytes(): Uint8Array {
  return guidToBytes(globalThis.crypto.randomUUID());
}

/** Lower-case hex of 16 GUID bytes: an opaque key for matching replies to requests whatever the byte order. */
export function guidKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** True when all 16 bytes are zero. */
export function isEmptyGuid(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}
