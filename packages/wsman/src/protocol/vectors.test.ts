import { describe, expect, it } from 'vitest';
import { listPypsrpRecordings, listVectorFiles, loadPypsrpInventory, loadPypsrpRecording, readVectorText } from '@exops/test-vectors';
import { WsmanAction } from './namespaces.js';
import { parseWsmanRequest, type WsmanRequestKind } from './request-parser.js';
import { parseWsmanResponse, type WsmanResponseKind } from './response-parser.js';
import { wsmanFaultToError } from './faults.js';
import { ExopsErrorCode } from '@exops/contracts';

const recordings = listPypsrpRecordings();

const REQUEST_KIND: Record<string, WsmanRequestKind> = {
  [WsmanAction.Create]: 'create',
  [WsmanAction.Command]: 'command',
  [WsmanAction.Send]: 'send',
  [WsmanAction.Receive]: 'receive',
  [WsmanAction.Signal]: 'signal',
  [WsmanAction.Delete]: 'delete',
  [WsmanAction.Get]: 'get',
  [WsmanAction.Disconnect]: 'disconnect',
  [WsmanAction.Reconnect]: 'reconnect',
  [WsmanAction.Connect]: 'connect',
  [WsmanAction.Enumerate]: 'enumerate',
};

const RESPONSE_KINDS: Record<string, readonly WsmanResponseKind[]> = {
  [WsmanAction.CreateResponse]: ['create'],
  [WsmanAction.CommandResponse]: ['command'],
  [WsmanAction.SendResponse]: ['send'],
  [WsmanAction.ReceiveResponse]: ['receive'],
  [WsmanAction.SignalResponse]: ['signal'],
  [WsmanAction.DeleteResponse]: ['delete'],
  [WsmanAction.GetResponse]: ['get-config', 'get-shell'],
  [WsmanAction.DisconnectResponse]: ['disconnect'],
  [WsmanAction.ReconnectResponse]: ['reconnect'],
  [WsmanAction.ConnectResponse]: ['connect'],
  [WsmanAction.EnumerateResponse]: ['enumerate'],
  [WsmanAction.Fault]: ['fault'],
};

function actionOf(xml: string): string {
  const m = /<(?:\w+:)?Action[^>]*>\s*([^<\s]+)\s*</.exec(xml);
  if (m?.[1] === undefined) throw new Error('no action in vector');
  return m[1];
}

describe('pypsrp recordings (real Windows traffic)', () => {
  it('holds all 56 recordings', () => {
    expect(recordings).toHaveLength(56);
  });

  for (const name of recordings) {
    it(`parses every request and response of ${name} with the kind its Action names`, () => {
      const { exchanges } = loadPypsrpRecording(name);
      expect(exchanges.length).toBeGreaterThan(0);
      let responses = 0;
      for (const [i, ex] of exchanges.entries()) {
        const req = parseWsmanRequest(ex.request);
        expect(req.kind, `${name} #${i} request`).toBe(REQUEST_KIND[actionOf(ex.request)]);
        expect(req.header.messageId).toMatch(/^uuid:/);
        if (ex.directives['http_error'] === true) {
          expect(ex.response).toBe('');
          continue;
        }
        const res = parseWsmanResponse(ex.response);
        const expected = RESPONSE_KINDS[actionOf(ex.response)];
        expect(expected, `${name} #${i}: unexpected action in vector`).toBeDefined();
        expect(expected, `${name} #${i} response kind`).toContain(res.kind);
        expect(res.header.relatesTo, `${name} #${i} RelatesTo`).toBe(req.header.messageId);
        if (ex.directives['transport_error'] !== undefined) expect(res.kind).toBe('fault');
        responses++;
      }
      expect(responses).toBeGreaterThan(0);
    });
  }

  it('finds every fault INVENTORY.json lists, with its subcode and WSManFault code', () => {
    const listed = loadPypsrpInventory().files.flatMap((f) =>
      ((f['faults'] ?? []) as { exchange: number; subcode: string; wsman_fault_code: number }[]).map((fault) => ({ file: String(f['file'] ?? f['name']), ...fault })),
    );
    expect(listed.length).toBeGreaterThanOrEqual(9);
    for (const item of listed) {
      const res = parseWsmanResponse(loadPypsrpRecording(item.file).exchanges[item.exchange]?.response ?? '');
      if (res.kind !== 'fault') throw new Error(`${item.file} #${item.exchange}: ${res.kind}`);
      expect(`w:${res.fault.subcode}`).toBe(item.subcode);
      expect(res.fault.wsmanCode).toBe(item.wsman_fault_code);
      expect(res.fault.wsmanCodeName).toBeDefined();
    }
  });

  it('reads the CreateResponse shell id and properties', () => {
    const ex = loadPypsrpRecording('test_psrp_open_runspace.yml').exchanges[0];
    const res = parseWsmanResponse(ex?.response ?? '');
    if (res.kind !== 'create') throw new Error(res.kind);
    expect(res.shellId).toBe('76056A84-51DC-4F24-9262-CA2A55464B2B');
    expect(res.resourceUri).toBe('http://schemas.microsoft.com/powershell/Microsoft.PowerShell');
    expect(res.address).toBe('https://127.0.0.1:55986/wsman');
    expect(res.shell).toMatchObject({ owner: 'WIN-NNMU24VVKJ0\\vagrant', clientIp: '10.0.2.2', processId: 1868, idleTimeOut: 'PT7200.000S', state: 'Connected', bufferMode: 'Block' });
    expect(res.header.activityId).toBe('60D161C2-02EC-0001-EF8D-D160EC02D401');
  });

  it('reads ReceiveResponse streams in order, End flags, and CommandState with ExitCode', () => {
    const ex = loadPypsrpRecording('test_winrs_stderr_rc.yml').exchanges.find((e) => e.response.includes('CommandState/Done'));
    const res = parseWsmanResponse(ex?.response ?? '');
    if (res.kind !== 'receive') throw new Error(res.kind);
    expect(res.streams.map((s) => `${s.name}${s.end ? '!' : ''}`).join(' ')).toMatch(/stderr/);
    expect(res.streams.filter((s) => s.end).map((s) => s.base64)).toEqual(['', '']);
    expect(res.commandState).toMatchObject({ state: 'Done', exitCode: 1 });
    const stderr = res.streams.filter((s) => s.name === 'stderr' && s.bytes.length > 0).map((s) => Buffer.from(s.bytes).toString('utf8')).join('');
    expect(stderr.length).toBeGreaterThan(0);
  });

  it('reads PSRP pool streams (no CommandId) and pipeline streams (CommandId) as recorded', () => {
    const { exchanges } = loadPypsrpRecording('test_psrp_open_runspace.yml');
    const res = parseWsmanResponse(exchanges[1]?.response ?? '');
    if (res.kind !== 'receive') throw new Error(res.kind);
    expect(res.streams.length).toBeGreaterThan(0);
    for (const s of res.streams) {
      expect(s.name).toBe('stdout');
      expect(s.commandId).toBeUndefined();
      // [MS-PSRP] 2.2.4: every blob starts with a 21-byte fragment header; ObjectId > 0
      expect(s.bytes.length).toBeGreaterThan(21);
      expect(Buffer.from(s.bytes).readBigUInt64BE(0)).toBeGreaterThan(0n);
      expect(Buffer.from(s.bytes).toString('base64')).toBe(s.base64);
    }
  });

  it('reads a Pending CommandState without an ExitCode', () => {
    const ex = loadPypsrpRecording('test_psrp_pshost_raw_ui_mocked_methods.yml').exchanges.find((e) => e.response.includes('CommandState/Pending'));
    const res = parseWsmanResponse(ex?.response ?? '');
    if (res.kind !== 'receive') throw new Error(res.kind);
    expect(res.commandState?.state).toBe('Pending');
    expect(res.commandState?.exitCode).toBeUndefined();
  });

  it('reads Enumerate of shells and of commands', () => {
    const { exchanges } = loadPypsrpRecording('test_psrp_disconnected_commands.yml');
    const shells = exchanges.map((e) => parseWsmanResponse(e.response)).find((r) => r.kind === 'enumerate' && r.shells.length > 0);
    if (shells?.kind !== 'enumerate') throw new Error('no shell enumeration');
    expect(shells.endOfSequence).toBe(true);
    expect(shells.enumerationContext).toBeUndefined();
    expect(shells.shells[0]).toMatchObject({ state: 'Disconnected', memoryUsed: '51MB', childProcesses: 0, resourceUri: 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell' });
    const commands = exchanges.map((e) => parseWsmanResponse(e.response)).find((r) => r.kind === 'enumerate' && r.commands.length > 0);
    if (commands?.kind !== 'enumerate') throw new Error('no command enumeration');
    expect(commands.commands[0]).toEqual({ commandId: 'DB4E8DCF-51CC-423F-A7DF-5D0EA0D6FA08', commandLine: '', state: 'Running' });
    const req = parseWsmanRequest(exchanges.find((e) => e.request.includes('SelectorFilter'))?.request ?? '');
    if (req.kind !== 'enumerate') throw new Error(req.kind);
    expect(req.filterSelectors).toEqual({ ShellId: 'BCEF62AD-380E-4314-B2A4-EB6748019B41' });
  });

  it('reads the config Get (MaxEnvelopeSizekb, MaxTimeoutms, nested values)', () => {
    for (const [file, kb] of [['test_wsman_update_envelope_size_150.yml', 150], ['test_wsman_update_envelope_size_500.yml', 500], ['test_wsman_update_envelope_size_4096.yml', 4096]] as const) {
      const res = loadPypsrpRecording(file).exchanges.map((e) => parseWsmanResponse(e.response)).find((r) => r.kind === 'get-config');
      if (res?.kind !== 'get-config') throw new Error(file);
      expect(res.maxEnvelopeSizeKb).toBe(kb);
      expect(res.maxTimeoutMs).toBe(60000);
      expect(res.config['Winrs/MaxShellsPerUser']).toMatch(/^\d+$/);
    }
  });

  it('reads ConnectResponse connectResponseXml', () => {
    const res = loadPypsrpRecording('test_psrp_disconnect_runspaces.yml').exchanges.map((e) => parseWsmanResponse(e.response)).find((r) => r.kind === 'connect');
    if (res?.kind !== 'connect') throw new Error('no connect');
    expect(res.connectResponseXml?.length).toBeGreaterThan(100);
    expect(res.inputStreams).toBe('stdin pr');
  });

  it('reads the w:TimedOut fault and maps it to "receive again"', () => {
    const ex = loadPypsrpRecording('test_psrp_long_running_cmdlet.yml').exchanges.find((e) => e.response.includes('TimedOut'));
    const res = parseWsmanResponse(ex?.response ?? '');
    if (res.kind !== 'fault') throw new Error(res.kind);
    expect(res.fault).toMatchObject({ code: 'Receiver', subcode: 'TimedOut', wsmanCode: 2150858793, wsmanCodeName: 'TimedOut', machine: '127.0.0.1' });
    expect(res.fault.subcodeNamespace).toBe('http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd');
    expect(wsmanFaultToError(res.fault).remedy).toMatch(/send the Receive again/);
  });

  it('reads InvalidSelectors with the nested ProviderFault and maps it to shell-not-found', () => {
    const ex = loadPypsrpRecording('test_psrp_is_alive_invalid_selectors.yml').exchanges.find((e) => e.response.includes('InvalidSelectors'));
    const res = parseWsmanResponse(ex?.response ?? '');
    if (res.kind !== 'fault') throw new Error(res.kind);
    expect(res.fault.faultDetailName).toBe('UnexpectedSelectors');
    expect(res.fault.providerFaults).toEqual([{ provider: 'Shell provider', path: '%systemroot%\\system32\\WsmSvc.dll' }]);
    expect(res.fault.message).toBe('The WS-Management service cannot process the request because the request contained invalid selectors for the resource.');
    const err = wsmanFaultToError(res.fault);
    expect(err.code).toBe(ExopsErrorCode.WSMAN_SHELL_NOT_FOUND);
    expect(err.remedy).toMatch(/closed or expired on the server.*reconnect/);
  });
});

describe('WinRM (Ruby) stubs: WinRM v1, v2 and OMI servers', () => {
  const dir = 'winrm-ruby/tests/spec/stubs/responses';
  const files = listVectorFiles(dir);
  const substitute = (text: string): string =>
    text.replace(/<%=\s*(\w+)\s*%>/g, (_m, name: string) => (name === 'command_id' ? '11111111-2222-3333-4444-555555555555' : Buffer.from(`${name} data`).toString('base64')));

  it('covers every stub', () => {
    expect(files.length).toBe(16);
  });

  for (const file of files) {
    it(`parses ${file}`, () => {
      const res = parseWsmanResponse(substitute(readVectorText(`${dir}/${file}`)));
      expect(res.kind).toMatch(/^(create|receive|fault)$/);
      if (file.includes('output') || file.includes('keepalive')) expect(res.kind).toBe('receive');
      if (file.includes('fault') || file.includes('error') || file.includes('config')) expect(res.kind).toBe('fault');
      if (file.startsWith('open_shell')) expect(res.kind).toBe('create');
    });
  }

  it('reads the shell id of v1, v2 and OMI CreateResponses (OMI pads values with whitespace)', () => {
    for (const f of ['open_shell_v1.xml', 'open_shell_v2.xml', 'open_shell_omi.xml']) {
      const res = parseWsmanResponse(readVectorText(`${dir}/${f}`));
      if (res.kind !== 'create') throw new Error(f);
      // WinRM v1 writes the selector as a URN (`uuid:...`): it is kept as sent, since it goes back in the SelectorSet.
      expect(res.shellId).toMatch(/^(uuid:)?[0-9A-F-]{36}$/);
    }
    const omi = parseWsmanResponse(readVectorText(`${dir}/open_shell_omi.xml`));
    expect(omi.kind === 'create' && omi.shellId).toBe('74142DC5-E14D-4FCC-86ED-63DA3EE8407E');
  });

  it('reads the v2 fault with nested WSManFault and n:CannotProcessFilter', () => {
    const res = parseWsmanResponse(readVectorText(`${dir}/soap_fault_v2.xml`));
    if (res.kind !== 'fault') throw new Error(res.kind);
    expect(res.fault.subcode).toBe('CannotProcessFilter');
    expect(res.fault.subcodeNamespace).toBe('http://schemas.xmlsoap.org/ws/2004/09/enumeration');
    expect(res.fault.wsmanCode).toBe(2150858778);
    expect(res.fault.wsmanCodeName).toBe('CannotProcessFilter');
    expect(res.fault.message).toBe('The specified class does not exist in the given namespace.');
    expect(res.fault.providerFaults[0]?.provider).toBe('WMI Provider');
    const v1 = parseWsmanResponse(readVectorText(`${dir}/soap_fault_v1.xml`));
    expect(v1.kind === 'fault' && v1.fault.providerFaults[0]?.provider).toBe('WMIv1 plugin for Windows Remote Management ');
  });

  it('reads the OMI fault (SOAP-ENV prefix, no WSManFault detail)', () => {
    const res = parseWsmanResponse(readVectorText(`${dir}/soap_fault_omi.xml`));
    if (res.kind !== 'fault') throw new Error(res.kind);
    expect(res.fault).toMatchObject({ code: 'Receiver', subcode: 'InternalError', wsmanCode: undefined, message: 'get-instance: instance name parameter is missing' });
    expect(wsmanFaultToError(res.fault).code).toBe(ExopsErrorCode.WSMAN_FAULT);
  });

  it('reads the QuotaLimit MSFT_WmiError and maps it to the quota error', () => {
    const res = parseWsmanResponse(readVectorText(`${dir}/wmi_error_v2.xml`));
    if (res.kind !== 'fault') throw new Error(res.kind);
    expect(res.fault.subcode).toBe('QuotaLimit');
    expect(res.fault.wmiError?.['MessageID']).toBe('HRESULT 0x803381a5');
    expect(res.fault.wsmanCode).toBe(2150859173);
    expect(res.fault.message).toMatch(/maximum number of 30 concurrent shells/);
    const err = wsmanFaultToError(res.fault);
    expect(err.code).toBe(ExopsErrorCode.WSMAN_QUOTA);
    expect(err.remedy).toMatch(/Close sessions/);
  });

  it('reads the OMI Receive (shell namespace bound to p:) with CommandState Done', () => {
    const res = parseWsmanResponse(readVectorText(`${dir}/get_omi_command_output_response.xml.erb`));
    if (res.kind !== 'receive') throw new Error(res.kind);
    expect(res.commandState?.state).toBe('Done');
  });

  it('infers the kind of a keep-alive response whose header is empty', () => {
    const res = parseWsmanResponse(substitute(readVectorText(`${dir}/get_powershell_keepalive_response.xml.erb`)));
    if (res.kind !== 'receive') throw new Error(res.kind);
    expect(res.header.action).toBeUndefined();
    expect(res.streams.map((s) => Buffer.from(s.bytes).toString())).toEqual(['test_data_stdout1 data', 'test_data_stdout2 data']);
  });
});

describe('winrm (Go) sample requests', () => {
  const text = readVectorText('winrm-go/development/sample_requests.txt');
  const envelopes = text
    .split(/<!--[^]*?-->/)
    .map((s) => s.trim())
    .filter((s) => s.includes('Envelope'));

  it('holds several envelopes', () => {
    expect(envelopes.length).toBeGreaterThanOrEqual(5);
  });

  it('parses every sample request', () => {
    const kinds = envelopes.map((e) => parseWsmanRequest(e).kind);
    expect(new Set(kinds)).toEqual(new Set(['create', 'command', 'receive', 'signal', 'delete']));
  });

  it('reads the WinRS options and the env: prefix', () => {
    const create = parseWsmanRequest(envelopes[0] ?? '');
    expect(create.kind).toBe('create');
    expect(create.options).toEqual([
      { name: 'WINRS_NOPROFILE', value: 'FALSE' },
      { name: 'WINRS_CODEPAGE', value: '65001' },
    ]);
    expect(create.header).toMatchObject({ maxEnvelopeSize: 153600, operationTimeoutSeconds: 60, locale: 'en-US', dataLocale: 'en-US', to: 'http://localhost:5985/wsman' });
  });
});
