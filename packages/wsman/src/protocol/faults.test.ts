import { describe, expect, it } from 'vitest';
import { ExopsError, ExopsErrorCode, isExopsError } from '@exops/contracts';
import { buildFaultResponse } from './response-builders.js';
import { parseWsmanResponse } from './response-parser.js';
import { WsmanFaultCode, WsmanFaultError, wsmanFaultToError, type WsmanFault } from './faults.js';
import { WsmanAction } from './namespaces.js';

function faultOf(xml: string): WsmanFault {
  const res = parseWsmanResponse(xml);
  if (res.kind !== 'fault') throw new Error(res.kind);
  return res.fault;
}

const ctx = { relatesTo: 'uuid:1', messageId: 'uuid:2' };

describe('wsmanFaultToError', () => {
  it('names InvalidMessageInformationHeader (addressing subcode) as a client bug', () => {
    const fault = faultOf(buildFaultResponse(ctx, {
      code: 'Sender', subcode: 'InvalidMessageInformationHeader', subcodePrefix: 'a', action: WsmanAction.AddressingFault,
      reason: 'The WS-Management service cannot process the request because the header is invalid.', wsmanCode: 2150858767,
    }).xml);
    expect(fault.subcodeNamespace).toBe('http://schemas.xmlsoap.org/ws/2004/08/addressing');
    expect(fault.wsmanCodeName).toBe('InvalidMessageInformationHeader');
    const err = wsmanFaultToError(fault);
    expect(err.code).toBe(ExopsErrorCode.WSMAN_FAULT);
    expect(err.remedy).toMatch(/client bug/);
  });

  it('maps access denied (5) to AUTH_ACCESS_DENIED', () => {
    const err = wsmanFaultToError(faultOf(buildFaultResponse(ctx, { code: 'Sender', subcode: 'AccessDenied', reason: 'Access is denied.', wsmanCode: WsmanFaultCode.AccessDenied }).xml));
    expect(err.code).toBe(ExopsErrorCode.AUTH_ACCESS_DENIED);
  });

  it('maps a provider fault with the provider in the remedy and the flattened message', () => {
    const fault = faultOf(buildFaultResponse(ctx, {
      code: 'Receiver', subcode: 'InternalError', reason: 'The system cannot find the file specified. ', wsmanCode: WsmanFaultCode.FileNotFound,
      machine: 'srv', provider: { provider: 'Shell cmd plugin', path: '%systemroot%\\system32\\winrscmd.dll', nested: false },
    }).xml);
    expect(fault.message).toBe('The system cannot find the file specified.');
    const err = wsmanFaultToError(fault);
    expect(err.code).toBe(ExopsErrorCode.WSMAN_FAULT);
    expect(err.remedy).toMatch(/Shell cmd plugin/);
    expect(err.message).toMatch(/Receiver\/InternalError \(WSManFault 2147942402 FileNotFound, 0x80070002\)/);
  });

  it('is an ExopsError and a WsmanFaultError, carrying the fault and JSON details without secrets', () => {
    const fault = faultOf(buildFaultResponse(ctx, { code: 'Sender', subcode: 'InvalidSelectors', reason: 'gone', wsmanCode: WsmanFaultCode.InvalidSelectors, machine: 'm' }).xml);
    const err = wsmanFaultToError(fault);
    expect(err).toBeInstanceOf(ExopsError);
    expect(err).toBeInstanceOf(WsmanFaultError);
    expect(isExopsError(err)).toBe(true);
    expect(err.fault).toBe(fault);
    expect(err.toJSON()).toMatchObject({ code: ExopsErrorCode.WSMAN_SHELL_NOT_FOUND, details: { wsmanCode: 2150858843, machine: 'm', subcode: 'InvalidSelectors' } });
    expect(new Error('x')).not.toBeInstanceOf(WsmanFaultError);
  });

  it('maps EncodingLimit to the envelope size remedy', () => {
    const err = wsmanFaultToError(faultOf(buildFaultResponse(ctx, { code: 'Sender', subcode: 'EncodingLimit', reason: 'too big' }).xml));
    expect(err.remedy).toMatch(/MaxEnvelopeSize/);
  });
});
