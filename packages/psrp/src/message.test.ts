import { describe, expect, it } from 'vitest';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { loadPsrpcoreOracle } from '@exops/test-vectors';
import { Destination, MessageType, decodeMessage, encodeMessage, messagePipelineId, messageRunspacePoolId, messageTypeName } from './message.js';
import { guidFromBytes, guidToBytes, toGuidBytes } from './guid.js';

const oracle = loadPsrpcoreOracle();

function expectCode(fn: () => unknown, code: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ExopsError);
  expect((caught as ExopsError).code).toBe(code);
  expect((caught as ExopsError).remedy).toBeTruthy();
  expect((caught as ExopsError).message).toMatch(pattern);
}

describe('GUIDs in .NET byte order', () => {
  it('matches the oracle header bytes', () => {
    expect(Buffer.from(guidToBytes('76056a84-51dc-4f24-9262-ca2a55464b2b')).toString('hex')).toBe('846a0576dc51244f9262ca2a55464b2b');
    expect(Buffer.from(guidToBytes('793a6e72-4a6a-4021-b3c9-5d5d1aec877d')).toString('hex')).toBe('726e3a796a4a2140b3c95d5d1aec877d');
    expect(guidFromBytes(guidToBytes('{76056A84-51DC-4F24-9262-CA2A55464B2B}'))).toBe('76056a84-51dc-4f24-9262-ca2a55464b2b');
  });

  it('rejects malformed GUIDs', () => {
    expectCode(() => guidToBytes('not-a-guid'), ExopsErrorCode.INVALID_ARGUMENT, /not a GUID/);
    expectCode(() => toGuidBytes(new Uint8Array(3)), ExopsErrorCode.INVALID_ARGUMENT, /16 bytes/);
  });
});

describe('message header', () => {
  it('names every message type of the spec with its code', () => {
    expect(Object.keys(MessageType)).toHaveLength(31);
    expect(MessageType.PROGRESS_RECORD).toBe(0x41010);
    expect(MessageType.INFORMATION_RECORD).toBe(0x41011);
    expect(messageTypeName(0x0002100b)).toBe('RUNSPACEPOOL_INIT_DATA');
    expect(messageTypeName(0x12345)).toBeUndefined();
  });

  it('encodes and decodes every oracle header exactly', () => {
    const all = [
      ...oracle.client_open.fragments,
      ...oracle.loopback_open.server_fragments,
      ...oracle.client_create_pipeline.fragments,
      ...oracle.loopback_pipeline.payloads[0].fragments,
    ] as { fragment_hex: string; message: { header_hex: string; destination: number; message_type: number; rpid: string; pid: string | null; data: string } }[];
    for (const f of all) {
      const bytes = new Uint8Array(Buffer.from(f.fragment_hex, 'hex').subarray(21));
      const m = decodeMessage(bytes);
      expect(m.destination).toBe(f.message.destination);
      expect(MessageType[m.messageType]).toBe(f.message.message_type);
      expect(messageRunspacePoolId(m)).toBe(f.message.rpid);
      expect(messagePipelineId(m) ?? null).toBe(f.message.pid);
      const again = encodeMessage({ destination: m.destination, messageType: m.messageType, rpid: m.rpid, pid: m.pid, data: f.message.data });
      expect(Buffer.from(again).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
    }
  });

  it('strips a leading UTF-8 BOM and can write one', () => {
    const rpid = guidToBytes('76056a84-51dc-4f24-9262-ca2a55464b2b');
    const withBom = encodeMessage({ destination: Destination.CLIENT, messageType: 'PIPELINE_OUTPUT', rpid, data: '<S>hi</S>', bom: true });
    expect(Buffer.from(withBom.subarray(40, 43)).toString('hex')).toBe('efbbbf');
    const m = decodeMessage(withBom);
    expect(m.hasBom).toBe(true);
    expect(Buffer.from(m.data).toString()).toBe('<S>hi</S>');
    expect(decodeMessage(encodeMessage({ destination: 1, messageType: 'END_OF_PIPELINE_INPUT', rpid, data: '' })).data).toHaveLength(0);
  });

  it('rejects truncated headers, unknown types and bad destinations', () => {
    const good = encodeMessage({ destination: 2, messageType: 'SESSION_CAPABILITY', rpid: new Uint8Array(16), data: '<S />' });
    expectCode(() => decodeMessage(good.subarray(0, 39)), ExopsErrorCode.PSRP_MESSAGE, /Truncated PSRP message: 39 bytes/);
    const unknown = new Uint8Array(good);
    new DataView(unknown.buffer).setUint32(4, 0x00099999, true);
    expectCode(() => decodeMessage(unknown), ExopsErrorCode.PSRP_MESSAGE, /Unknown PSRP message type 0x00099999/);
    const dest = new Uint8Array(good);
    new DataView(dest.buffer).setUint32(0, 3, true);
    expectCode(() => decodeMessage(dest), ExopsErrorCode.PSRP_MESSAGE, /destination 3/);
    expectCode(() => encodeMessage({ destination: 2, messageType: 'SESSION_CAPABILITY', rpid: new Uint8Array(15), data: '' }), ExopsErrorCode.PSRP_MESSAGE, /16 bytes/);
  });
});
