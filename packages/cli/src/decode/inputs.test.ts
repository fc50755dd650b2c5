import { extractPsrpBlobs, loadPsrpcoreOracle, loadPypsrpRecording, readVectorText } from '@exops/test-vectors';
import { describe, expect, it } from 'vitest';
import { classifyInput, decodeBase64Text, splitEnvelopes } from './index.js';
import { jsonLines, runDecodeInMemory } from './test-support/run.js';

const oracle = loadPsrpcoreOracle();
const RPID = '76056a84-51dc-4f24-9262-ca2a55464b2b';
const PID = '793a6e72-4a6a-4021-b3c9-5d5d1aec877d';
const loopbackBase64 = String(oracle['loopback_pipeline'].payloads[0].base64);
const fragmentedChunks = (oracle['client_fragmented_create_pipeline'].chunks as { base64: string }[]).map((c) => c.base64);
const DATA = 'pypsrp/tests/tests_pypsrp/data';

function bytes(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

function utf16le(text: string): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
}

describe('--json lines for psrpcore loopback_pipeline', () => {
  const message = (messageType: string, data: unknown): Record<string, unknown> => ({ destination: 'client', messageType, rpid: RPID, pid: PID, data });
  const expected = [
    message('PIPELINE_STATE', { PipelineState: 1 }),
    message('PIPELINE_OUTPUT', 'hi'),
    message('PIPELINE_OUTPUT', 42),
    message('PIPELINE_OUTPUT', { Name: 'mbx1', PrimarySmtpAddress: 'user@contoso.com' }),
    message('ERROR_RECORD', {
      Exception: { Message: 'boom', Data: null, HelpLink: null, HResult: null, InnerException: null, Source: null, StackTrace: null, TargetSite: null },
      TargetObject: null,
      FullyQualifiedErrorId: 'MyError',
      InvocationInfo: null,
      ErrorCategory_Category: 0,
      ErrorCategory_Activity: null,
      ErrorCategory_Reason: 'RuntimeException',
      ErrorCategory_TargetName: null,
      ErrorCategory_TargetType: null,
      ErrorCategory_Message: 'NotSpecified (:) [], RuntimeException',
      SerializeExtendedInfo: false,
    }),
    message('WARNING_RECORD', { InformationalRecord_Message: 'warn', InformationalRecord_SerializeInvocationInfo: false }),
    message('VERBOSE_RECORD', { InformationalRecord_Message: 'verb', InformationalRecord_SerializeInvocationInfo: false }),
    message('DEBUG_RECORD', { InformationalRecord_Message: 'dbg', InformationalRecord_SerializeInvocationInfo: false }),
    message('INFORMATION_RECORD', {
      MessageData: 'info', Source: 'source', TimeGenerated: '2024-01-02T03:04:05Z', Tags: [], User: 'CONTOSO\\admin', Computer: 'EXCH01',
      ProcessId: 1234, NativeThreadId: 5678, ManagedThreadId: 9,
    }),
    message('PROGRESS_RECORD', {
      Activity: 'activity', ActivityId: 1, StatusDescription: 'status', CurrentOperation: null, ParentActivityId: -1, PercentComplete: 50,
      Type: 'Processing', SecondsRemaining: -1,
    }),
    message('PIPELINE_STATE', { PipelineState: 4 }),
  ];

  it('base64 of the fragments: one line per message, in the order psrpcore\'s client saw them', async () => {
    const run = await runDecodeInMemory({ files: ['loopback.b64'], json: true }, { 'loopback.b64': `${loopbackBase64}\n` });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(jsonLines(run.stdout)).toEqual(expected);
    // Key order is part of the format.
    expect(Object.keys(jsonLines(run.stdout)[0]!)).toEqual(['destination', 'messageType', 'rpid', 'pid', 'data']);
    expect(oracle['loopback_pipeline'].client_events.length).toBe(expected.length);
  });

  it('raw fragment bytes decode the same', async () => {
    const run = await runDecodeInMemory({ files: ['loopback.bin'], json: true }, { 'loopback.bin': bytes(loopbackBase64) });
    expect(run.exitCode).toBe(0);
    expect(jsonLines(run.stdout)).toEqual(expected);
  });

  it('base64 wrapped at 76 columns (as base64 -w 76 writes) decodes the same', async () => {
    const wrapped = loopbackBase64.replace(/.{76}/g, '$&\n');
    const run = await runDecodeInMemory({ files: ['-'], json: true }, {}, { stdin: wrapped });
    expect(run.exitCode).toBe(0);
    expect(jsonLines(run.stdout)).toEqual(expected);
  });

  it('--typed puts "@types" first in each object', async () => {
    const run = await runDecodeInMemory({ files: ['loopback.b64'], json: true, typed: true }, { 'loopback.b64': loopbackBase64 });
    const lines = jsonLines(run.stdout);
    const custom = lines[3]!['data'] as Record<string, unknown>;
    expect(Object.keys(custom)).toEqual(['@types', 'Name', 'PrimarySmtpAddress']);
    expect(custom['@types']).toEqual(['System.Management.Automation.PSCustomObject', 'System.Object']);
    expect(Object.keys(lines[0]!['data'] as object)[0]).toBe('@types');
    // --typed alone implies --json.
    const implied = await runDecodeInMemory({ files: ['loopback.b64'], typed: true }, { 'loopback.b64': loopbackBase64 });
    expect(implied.stdout).toBe(run.stdout);
  });

  it('human output: one block per message with direction, type, ids and Name : value lists', async () => {
    const run = await runDecodeInMemory({ files: ['loopback.b64'] }, { 'loopback.b64': loopbackBase64 });
    expect(run.exitCode).toBe(0);
    const blocks = run.stdout.trimEnd().split('\n\n');
    expect(blocks.length).toBe(expected.length);
    expect(blocks[0]!.split('\n')).toEqual([
      '[1] PIPELINE_STATE  server → client  (Running)',
      `    RPID ${RPID}  PID ${PID}`,
      '    from loopback.b64',
      '    PipelineState : 1',
    ]);
    expect(blocks[3]!.split('\n').slice(3)).toEqual([
      '    [System.Management.Automation.PSCustomObject]',
      '    Name               : mbx1',
      '    PrimarySmtpAddress : user@contoso.com',
    ]);
    expect(blocks[4]).toContain('    Exception                :\n        [System.Exception]\n        Message        : boom');
    expect(blocks.at(-1)!.split('\n')[0]).toBe('[11] PIPELINE_STATE  server → client  (Completed)');
  });
});

describe('base64 and binary inputs', () => {
  it('a creationXml blob from a recording, as base64 and as raw bytes', async () => {
    const create = loadPypsrpRecording('test_psrp_open_runspace.yml').exchanges[0]!.request;
    const blob = extractPsrpBlobs(create).find((b) => b.location === 'creationXml')!;
    const viaBase64 = await runDecodeInMemory({ files: ['creation.b64'], json: true }, { 'creation.b64': blob.base64 });
    const viaBytes = await runDecodeInMemory({ files: ['creation.bin'], json: true }, { 'creation.bin': bytes(blob.base64) });
    expect(viaBase64.exitCode).toBe(0);
    const lines = jsonLines(viaBase64.stdout);
    expect(lines.map((l) => l['messageType'])).toEqual(['SESSION_CAPABILITY', 'INIT_RUNSPACEPOOL']);
    expect(lines.every((l) => l['destination'] === 'server')).toBe(true);
    expect(lines[0]!['data']).toEqual({ protocolversion: '2.3', PSVersion: '2.0', SerializationVersion: '1.1.0.1' });
    expect(viaBytes.stdout).toBe(viaBase64.stdout);
  });

  it('the psrpcore client_open creationXml: RPID in .NET order', async () => {
    const run = await runDecodeInMemory({ files: ['open.b64'], json: true }, { 'open.b64': String(oracle['client_open'].creationXml_base64) });
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => [l['messageType'], l['rpid'], l['pid']])).toEqual([
      ['SESSION_CAPABILITY', RPID, '00000000-0000-0000-0000-000000000000'],
      ['INIT_RUNSPACEPOOL', RPID, '00000000-0000-0000-0000-000000000000'],
    ]);
    expect((lines[1]!['data'] as Record<string, unknown>)['MinRunspaces']).toBe(1);
  });

  it('one message cut into 4 fragments, given one fragment per file, reassembles across files', async () => {
    const files = Object.fromEntries(fragmentedChunks.map((c, i) => [`frag${i}.b64`, c]));
    const run = await runDecodeInMemory({ files: Object.keys(files), json: true }, files);
    expect(run.stderr).toBe('');
    const lines = jsonLines(run.stdout);
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatchObject({ destination: 'server', messageType: 'CREATE_PIPELINE', rpid: RPID, pid: PID });
    // The same, concatenated into one binary file, and split at every fragment boundary in between.
    const all = Buffer.concat(fragmentedChunks.map((c) => Buffer.from(c, 'base64')));
    for (let cut = 1; cut < fragmentedChunks.length; cut++) {
      const head = Buffer.concat(fragmentedChunks.slice(0, cut).map((c) => Buffer.from(c, 'base64')));
      const split = await runDecodeInMemory({ files: ['a.bin', 'b.bin'], json: true }, { 'a.bin': new Uint8Array(head), 'b.bin': new Uint8Array(all.subarray(head.length)) });
      expect(split.stdout).toBe(run.stdout);
    }
  });

  it('several base64 blobs one per line are read in order', async () => {
    const run = await runDecodeInMemory({ files: ['blobs.txt'], json: true }, { 'blobs.txt': `${fragmentedChunks.join('\n')}\n` });
    expect(run.exitCode).toBe(0);
    expect(jsonLines(run.stdout).map((l) => l['messageType'])).toEqual(['CREATE_PIPELINE']);
  });

  it('decodeBase64Text: wrapped, one per line, and not base64', () => {
    expect(Buffer.from(decodeBase64Text('aGVs\nbG8=')!).toString()).toBe('hello');
    expect(Buffer.from(decodeBase64Text('aGk=\naGk=')!).toString()).toBe('hihi');
    expect(decodeBase64Text('not base64!')).toBeUndefined();
  });
});

describe('CLIXML documents', () => {
  it('#< CLIXML output with Error streams: one {"stream","data"} line per object', async () => {
    const text = readVectorText(`${DATA}/test_sanitise_clixml_with_error.xml`);
    const run = await runDecodeInMemory({ files: ['err.xml'], json: true }, { 'err.xml': text });
    expect(run.exitCode).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l['stream'])).toEqual(['progress', 'progress', ...Array<string>(8).fill('Error')]);
    expect(lines[2]!['data']).toBe("fake : The term 'fake' is not recognized as the name of a cmdlet, function, script file, or operable program. Check \r\n");
    expect((lines[0]!['data'] as Record<string, unknown>)['SourceId']).toBe(1);
    // Windows PowerShell writes UTF-16LE with a BOM: the same objects.
    const wide = await runDecodeInMemory({ files: ['err16.xml'], json: true }, { 'err16.xml': utf16le(text) });
    expect(wide.stdout).toBe(run.stdout);
  });

  it('#< CLIXML output without errors', async () => {
    const run = await runDecodeInMemory({ files: ['ok.xml'] }, { 'ok.xml': readVectorText(`${DATA}/test_sanitise_clixml_with_no_errors.xml`) });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.match(/^\[\d+\] CLIXML object {2}\(stream progress\)$/gm)?.length).toBe(2);
    expect(run.stdout).toContain('        [System.Management.Automation.ProgressRecord]\n        Activity          : Preparing modules for first use.');
  });

  it('an Export-Clixml document is {"data"} per top-level object; a bare message body is one object', async () => {
    const doc =
      '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0"><TN RefId="0"><T>System.Collections.Hashtable</T><T>System.Object</T></TN>' +
      '<DCT><En><S N="Key">a</S><I64 N="Value">9007199254740993</I64></En></DCT></Obj><D>1.50</D><Db>NaN</Db><BA>AQID</BA></Objs>';
    const run = await runDecodeInMemory({ files: ['doc.xml'], json: true }, { 'doc.xml': doc });
    expect(jsonLines(run.stdout)).toEqual([{ data: { a: '9007199254740993' } }, { data: '1.50' }, { data: 'NaN' }, { data: 'AQID' }]);
    const body = await runDecodeInMemory({ files: ['body.xml'], json: true }, { 'body.xml': '<Obj RefId="0"><MS><S N="x">y</S></MS></Obj>' });
    expect(jsonLines(body.stdout)).toEqual([{ data: { x: 'y' } }]);
  });

  it('a <Ref> to an enclosing object (a cycle) prints a marker instead of recursing forever', async () => {
    const run = await runDecodeInMemory({ files: ['cycle.xml'], json: true }, { 'cycle.xml': '<Obj RefId="0"><MS><S N="name">root</S><Ref N="self" RefId="0" /></MS></Obj>' });
    expect(run.stderr).toBe('');
    expect(jsonLines(run.stdout)).toEqual([{ data: { name: 'root', self: '[circular reference to an enclosing object]' } }]);
    const human = await runDecodeInMemory({ files: ['cycle.xml'] }, { 'cycle.xml': '<Obj RefId="0"><MS><Ref N="self" RefId="0" /></MS></Obj>' });
    expect(human.stdout).toContain('    self : [circular reference to an enclosing object]');
    // Shared (not circular) references print in full at each place.
    const shared = await runDecodeInMemory({ files: ['dag.xml'], json: true }, { 'dag.xml': '<Obj RefId="0"><MS><Obj N="a" RefId="1"><MS><S N="x">1</S></MS></Obj><Ref N="b" RefId="1" /></MS></Obj>' });
    expect(jsonLines(shared.stdout)).toEqual([{ data: { a: { x: '1' }, b: { x: '1' } } }]);
  });

  it('every psrpcore clixml_deserialize vector psrpcore accepts decodes as a bare value', async () => {
    const cases = (oracle['clixml_deserialize'] as { clixml: string; error?: string }[]).filter((c) => c.error === undefined);
    expect(cases.length).toBeGreaterThan(20);
    for (const c of cases) {
      const run = await runDecodeInMemory({ files: ['v.xml'], json: true }, { 'v.xml': c.clixml });
      expect(run.stderr, c.clixml).toBe('');
      expect(jsonLines(run.stdout).length, c.clixml).toBe(1);
    }
  });
});

describe('several envelopes in one file', () => {
  const recording = loadPypsrpRecording('test_psrp_open_runspace.yml');
  const envelopes = recording.exchanges.flatMap((e) => [e.request, e.response]);

  it('envelopes one after another (with comments and XML declarations between) decode as the YAML recording does', async () => {
    const text = envelopes.map((e, i) => `<!-- envelope ${i + 1} -->\n<?xml version="1.0" encoding="utf-8"?>\n${e}\n`).join('\n');
    const fromText = await runDecodeInMemory({ files: ['capture.xml'], json: true }, { 'capture.xml': text });
    const fromYaml = await runDecodeInMemory({ files: ['rec.yml'], json: true }, { 'rec.yml': readVectorText('pypsrp/tests/tests_pypsrp/responses/test_psrp_open_runspace.yml') });
    expect(fromText.stderr).toBe('');
    expect(fromText.stdout).toBe(fromYaml.stdout);
    expect(jsonLines(fromText.stdout).length).toBe(5);
    const human = await runDecodeInMemory({ files: ['capture.xml'] }, { 'capture.xml': text });
    expect(human.stdout).toContain('    from capture.xml, envelope 4 (line 15), rsp:Stream #1 "stdout"');
  });

  it('the winrm (Go) sample requests: WinRS envelopes separated by comments', async () => {
    const run = await runDecodeInMemory({ files: ['sample.txt'], json: true }, { 'sample.txt': readVectorText('winrm-go/development/sample_requests.txt') });
    expect(run.stderr).toBe('');
    expect(jsonLines(run.stdout)).toEqual([{ destination: 'server', command: '"powershell.exe -EncodedCommand ZGly"', arguments: [] }]);
  });

  it('splitEnvelopes keeps line numbers of the whole text', () => {
    const slices = splitEnvelopes('x', '<!-- a -->\n<s:Envelope xmlns:s="u"><s:Body/></s:Envelope>\n\n  <s:Envelope xmlns:s="u"/>');
    expect(slices[0]).toMatchObject({ line: 2, column: 1 });
    expect(slices[0]!.xml.startsWith('\n<s:Envelope')).toBe(true);
    expect(slices[1]).toMatchObject({ line: 4, column: 3, xml: '\n\n\n  <s:Envelope xmlns:s="u"/>' });
  });

  it('classifies inputs by content', () => {
    const enc = (t: string): Uint8Array => new TextEncoder().encode(t);
    expect(classifyInput('a', enc('  <?xml version="1.0"?>\n<env:Envelope>')).kind).toBe('envelopes');
    expect(classifyInput('a', enc('#< CLIXML\n<Objs>')).kind).toBe('clixml');
    expect(classifyInput('a', enc('\uFEFF<Objs>')).kind).toBe('clixml');
    expect(classifyInput('a', enc('messages:\n- request: x')).kind).toBe('yaml');
    expect(classifyInput('a', enc(loopbackBase64)).kind).toBe('base64');
    expect(classifyInput('a', bytes(loopbackBase64)).kind).toBe('fragments');
  });
});
