import { listPypsrpRecordings, loadPsrpcoreOracle, loadPypsrpInventory, loadPypsrpRecording, readVectorText } from '@exops/test-vectors';
import { describe, expect, it } from 'vitest';
import { decodeCapture, formatRecordJson, type CaptureInput, type DecodedRecord } from './index.js';

const RESPONSES = 'pypsrp/tests/tests_pypsrp/responses';
const encoder = new TextEncoder();

function recordingInput(name: string): CaptureInput {
  return { name, bytes: encoder.encode(readVectorText(`${RESPONSES}/${name}`)) };
}

/** Every envelope of a recording as its own file, in order. */
function envelopeInputs(name: string): CaptureInput[] {
  const inputs: CaptureInput[] = [];
  for (const [i, exchange] of loadPypsrpRecording(name).exchanges.entries()) {
    if (exchange.request !== '') inputs.push({ name: `${i + 1}-request.xml`, bytes: encoder.encode(exchange.request) });
    if (exchange.response !== '') inputs.push({ name: `${i + 1}-response.xml`, bytes: encoder.encode(exchange.response) });
  }
  return inputs;
}

function counts(records: readonly DecodedRecord[], destination: 'client' | 'server'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) if (r.kind === 'message' && r.destination === destination) out[r.messageType] = (out[r.messageType] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort());
}

function sorted(value: unknown): Record<string, number> {
  return Object.fromEntries(Object.entries((value ?? {}) as Record<string, number>).sort());
}

function sequence(records: readonly DecodedRecord[]): string[] {
  return records.map((r) => (r.kind === 'message' ? `${r.destination}:${r.messageType}` : r.kind));
}

const decoded = new Map<string, DecodedRecord[]>();
/** A recording decoded as one capture (the whole YAML file), once per test file. */
function decodeRecording(name: string): DecodedRecord[] {
  let records = decoded.get(name);
  if (records === undefined) {
    records = [...decodeCapture([recordingInput(name)])];
    decoded.set(name, records);
  }
  return records;
}

const inventory = new Map(loadPypsrpInventory().files.map((f) => [String(f['file']), f]));
const recordings = listPypsrpRecordings();

describe('decodeCapture over every pypsrp recording', () => {
  it('finds the 56 recordings and their inventory', () => {
    expect(recordings.length).toBe(56);
    for (const name of recordings) expect(inventory.has(name), name).toBe(true);
  });

  it.each(recordings)('%s: the whole YAML file decodes, with the message counts INVENTORY.json lists', (name) => {
    const records = decodeRecording(name);
    const entry = inventory.get(name)!;
    expect(counts(records, 'server')).toEqual(sorted(entry['client_to_server']));
    expect(counts(records, 'client')).toEqual(sorted(entry['server_to_client']));
    // Every record prints as JSON (no bigint or cycle escapes the mapping).
    for (const r of records) expect(() => JSON.parse(formatRecordJson(r, { typed: true }))).not.toThrow();
  });

  it.each(['test_psrp_open_runspace.yml', 'test_psrp_small_msg_size.yml', 'test_client_fetch_file.yml', 'test_client_copy_file.yml', 'test_psrp_disconnected_commands.yml'])(
    '%s: one file per envelope, in order, gives the same records as the YAML file',
    (name) => {
      const whole = decodeRecording(name).map((r) => formatRecordJson(r));
      const split = [...decodeCapture(envelopeInputs(name))].map((r) => formatRecordJson(r));
      expect(split).toEqual(whole);
      expect(split.length).toBeGreaterThan(0);
    },
  );

  const replays = loadPsrpcoreOracle()['replay_pypsrp_recordings'] as { file: string; rpid_as_decoded: string; events: { pipeline_id?: string | null }[] }[];
  it.each(replays.map((r) => [r.file, r] as const))('%s: RPID and pipeline ids as psrpcore decoded them', (name, replay) => {
    const records = decodeRecording(name);
    const messages = records.filter((r) => r.kind === 'message');
    expect(messages[0]?.kind === 'message' && messages[0].rpid).toBe(replay.rpid_as_decoded);
    const ours = new Set(messages.map((r) => (r.kind === 'message' ? r.pid : '')));
    for (const event of replay.events) if (typeof event.pipeline_id === 'string') expect(ours.has(event.pipeline_id), event.pipeline_id).toBe(true);
  });

  it('test_psrp_open_runspace.yml: the open sequence, ids as the header bytes read in .NET order', () => {
    const records = decodeRecording('test_psrp_open_runspace.yml');
    expect(sequence(records)).toEqual([
      'server:SESSION_CAPABILITY',
      'server:INIT_RUNSPACEPOOL',
      'client:SESSION_CAPABILITY',
      'client:APPLICATION_PRIVATE_DATA',
      'client:RUNSPACEPOOL_STATE',
    ]);
    // pypsrp < 0.3.1 wrote the ShellId 76056A84-51DC-4F24-... big-endian: read as .NET order it is byte-swapped.
    const first = records[0]!;
    expect(first.kind === 'message' && first.rpid).toBe('846a0576-dc51-244f-9262-ca2a55464b2b');
    const state = JSON.parse(formatRecordJson(records[4]!));
    expect(state).toEqual({
      destination: 'client',
      messageType: 'RUNSPACEPOOL_STATE',
      rpid: '846a0576-dc51-244f-9262-ca2a55464b2b',
      pid: '00000000-0000-0000-0000-000000000000',
      data: { RunspaceState: 2 },
    });
  });

  it('test_psrp_stream_output_invocation.yml: a pipeline with every stream, in order', () => {
    const records = decodeRecording('test_psrp_stream_output_invocation.yml');
    expect(sequence(records)).toEqual([
      'server:SESSION_CAPABILITY',
      'server:INIT_RUNSPACEPOOL',
      'client:SESSION_CAPABILITY',
      'client:APPLICATION_PRIVATE_DATA',
      'client:RUNSPACEPOOL_STATE',
      'server:CREATE_PIPELINE',
      'client:PROGRESS_RECORD',
      'client:DEBUG_RECORD',
      'client:VERBOSE_RECORD',
      'client:ERROR_RECORD',
      'client:PIPELINE_OUTPUT',
      'client:WARNING_RECORD',
      'client:INFORMATION_RECORD',
      'client:PIPELINE_STATE',
    ]);
    const output = records.find((r) => r.kind === 'message' && r.messageType === 'PIPELINE_OUTPUT')!;
    expect(JSON.parse(formatRecordJson(output))['data']).toBe('output stream');
    const state = JSON.parse(formatRecordJson(records.at(-1)!));
    expect(state['data']).toEqual({ PipelineState: 4 });
  });

  it('test_psrp_with_input.yml: END_OF_PIPELINE_INPUT has "data": null', () => {
    const records = decodeRecording('test_psrp_with_input.yml');
    const end = records.find((r) => r.kind === 'message' && r.messageType === 'END_OF_PIPELINE_INPUT');
    expect(end).toBeDefined();
    expect(JSON.parse(formatRecordJson(end!))['data']).toBeNull();
  });

  it('test_winrs_standard.yml: a cmd shell stream is text, not PSRP', () => {
    const lines = decodeRecording('test_winrs_standard.yml').map((r) => JSON.parse(formatRecordJson(r)));
    expect(lines[0]).toMatchObject({ destination: 'server', command: expect.any(String) });
    const stdout = lines.filter((l) => l['stream'] === 'stdout');
    expect(stdout.length).toBeGreaterThan(0);
    expect(Object.keys(stdout[0]!)).toEqual(['destination', 'stream', 'text']);
    expect(stdout[0]!['destination']).toBe('client');
  });

  it('test_client_copy_file.yml: PSRP and cmd shells in one capture are told apart by their resource URI', () => {
    const records = decodeRecording('test_client_copy_file.yml');
    expect(records.filter((r) => r.kind === 'message').length).toBe(24);
    expect(records.filter((r) => r.kind === 'command').length).toBe(2);
    expect(records.filter((r) => r.kind === 'text').every((r) => r.kind === 'text' && r.text.length > 0)).toBe(true);
  });

  it('test_psrp_receive_failure.yml: a WS-Management fault is a record', () => {
    const faults = decodeRecording('test_psrp_receive_failure.yml').filter((r) => r.kind === 'fault');
    expect(faults.length).toBe(1);
    const line = JSON.parse(formatRecordJson(faults[0]!));
    expect(line['destination']).toBe('client');
    expect(line['fault']).toMatchObject({ subcode: 'InvalidSelectors', wsmanCode: 2150858843 });
  });
});
