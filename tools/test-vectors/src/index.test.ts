import { describe, expect, it } from 'vitest';
import { extractPsrpBlobs, listPsrpRecordings, listPypsrpRecordings, loadPsrpcoreOracle, loadPypsrpRecording } from './index.js';

describe('test vectors', () => {
  it('loads every recording and finds PSRP blobs in the open runspace exchange', () => {
    expect(listPypsrpRecordings().length).toBe(56);
    const rec = loadPypsrpRecording('test_psrp_open_runspace.yml');
    const blobs = extractPsrpBlobs(rec.exchanges[0]!.request);
    expect(blobs[0]?.location).toBe('creationXml');
    expect(extractPsrpBlobs(rec.exchanges[1]!.response).every((b) => b.location === 'Stream' && b.streamName === 'stdout')).toBe(true);
    expect(listPsrpRecordings().length).toBeGreaterThan(30);
    expect(loadPsrpcoreOracle()['client_open']).toBeDefined();
  });
});
