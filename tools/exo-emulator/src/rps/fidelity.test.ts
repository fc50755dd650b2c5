/**
 * The proof that the RPS endpoint answers like Windows: each response is compared, as a structure, with the real
 * Windows Server response of the same operation in the pypsrp recordings. Element names, namespaces, attribute names,
 * the values that carry protocol meaning (stream names, CommandState URIs, Selector names) and header sets must match;
 * ids, hosts, times and payload bytes may differ; a run of `rsp:Stream` elements counts as one (Windows and we split
 * the same messages over Receives differently).
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage, parseFragments } from '@exops/psrp';
import { parseWsmanResponse, parseXmlDocument, type XmlElement } from '@exops/wsman';
import { loadPypsrpRecording, type RecordedExchange } from '@exops/test-vectors';
import { RpsDriver, type DriverReply } from './test-support/rps-driver.js';
import { createRpsFixture } from './test-support/rps-fixture.js';

interface Shape {
  readonly tag: string;
  readonly attrs: readonly string[];
  readonly children: readonly Shape[];
}

const MEANINGFUL_ATTRIBUTES = new Set(['Name', 'State', 'lang', 'mustUnderstand', 'MustComply']);
const SOAP = 'http://www.w3.org/2003/05/soap-envelope';
const RSP = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell';

function shape(el: XmlElement): Shape {
  const children: Shape[] = [];
  for (const child of el.children) {
    const s = shape(child);
    const previous = children.at(-1);
    // A run of Streams (or listed Shells) is one item: how many depends on message sizes, not on the protocol.
    if (previous !== undefined && child.ns === RSP && (child.local === 'Stream' || child.local === 'Shell') && JSON.stringify(previous) === JSON.stringify(s)) continue;
    children.push(s);
  }
  if (el.ns === SOAP && el.local === 'Header') children.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return {
    tag: `{${el.ns}}${el.local}`,
    attrs: el.attributes
      .filter((a) => !(a.local === 'xmlns' || a.ns === 'http://www.w3.org/2000/xmlns/'))
      .map((a) => `{${a.ns}}${a.local}${MEANINGFUL_ATTRIBUTES.has(a.local) ? `=${a.value}` : ''}`)
      .sort(),
    children,
  };
}

function shapeOf(xml: string): Shape {
  return shape(parseXmlDocument(xml));
}

function exchange(file: string, action: string, predicate: (e: RecordedExchange) => boolean = () => true): RecordedExchange {
  const found = loadPypsrpRecording(file).exchanges.find((e) => e.request.includes(`${action}</wsa:Action>`) && predicate(e));
  if (found === undefined) throw new Error(`${file} has no ${action} exchange`);
  return found;
}

/** PSRP message types of a Receive response, and whether each message starts with Windows' UTF-8 BOM. */
function messagesOf(xml: string): { type: string; bom: boolean; destination: number }[] {
  const parsed = parseWsmanResponse(xml);
  if (parsed.kind !== 'receive') return [];
  const out: { type: string; bom: boolean; destination: number }[] = [];
  const parts = new Map<bigint, Uint8Array[]>();
  for (const stream of parsed.streams) {
    for (const f of parseFragments(stream.bytes)) {
      const list = parts.get(f.objectId) ?? [];
      list.push(f.blob);
      parts.set(f.objectId, list);
      if (f.end) {
        const bytes = Buffer.concat(list);
        const message = decodeMessage(bytes);
        out.push({ type: message.messageType, bom: bytes[40] === 0xef && bytes[41] === 0xbb && bytes[42] === 0xbf, destination: message.destination });
      }
    }
  }
  return out;
}

async function openDriver(alias = 'admin', mailboxCount = 50): Promise<{ driver: RpsDriver; create: DriverReply; receive: DriverReply; fixture: ReturnType<typeof createRpsFixture> }> {
  const fixture = createRpsFixture({ mailboxCount });
  const upn = fixture.upnOf(alias);
  const driver = new RpsDriver({ handle: fixture.endpoint.handle, upn, token: fixture.tokenFor(upn) });
  const { create, receive } = await driver.open();
  return { driver, create, receive, fixture };
}

describe('RPS responses have the shape of real Windows responses (pypsrp recordings)', () => {
  it('CreateResponse', async () => {
    const { create } = await openDriver();
    expect(shapeOf(create.xml)).toEqual(shapeOf(exchange('test_psrp_open_runspace.yml', 'transfer/Create').response));
  });

  it('the opening Receive: streams, SESSION_CAPABILITY, APPLICATION_PRIVATE_DATA, RUNSPACEPOOL_STATE with BOMs', async () => {
    const { receive } = await openDriver();
    const real = loadPypsrpRecording('test_psrp_open_runspace.yml').exchanges.filter((e) => e.request.includes('shell/Receive</wsa:Action>'));
    expect(shapeOf(receive.xml)).toEqual(shapeOf(real[0]?.response ?? ''));
    const realMessages = real.flatMap((e) => messagesOf(e.response));
    expect(messagesOf(receive.xml)).toEqual(realMessages);
  });

  it('CommandResponse, and a pipeline Receive with output, warning, progress and CommandState Done', async () => {
    const { driver } = await openDriver('admin', 1500);
    const { pipeline, reply } = await driver.command({ statements: [[{ command: 'Get-Mailbox', parameters: { ResultSize: 5 } }]] });
    expect(shapeOf(reply.xml)).toEqual(shapeOf(exchange('test_psrp_stream_output_invocation.yml', 'shell/Command').response));
    const { replies } = await driver.receiveAll(pipeline.id.toUpperCase());
    const done = replies.at(-1)?.xml ?? '';
    const real = exchange('test_psrp_stream_output_invocation.yml', 'shell/Receive', (e) => e.response.includes('CommandState/Done')).response;
    expect(shapeOf(done)).toEqual(shapeOf(real));
    // Progress comes from a scan of 1000+ mailboxes with no ResultSize limit.
    const scan = await driver.command({ statements: [[{ command: 'Get-Mailbox', parameters: { Filter: "Alias -eq 'admin'", ResultSize: 'Unlimited' } }]] });
    const scanned = await driver.receiveAll(scan.pipeline.id.toUpperCase());
    expect(shapeOf(scanned.replies.at(-1)?.xml ?? '')).toEqual(shapeOf(real));
    const ours = [...replies, ...scanned.replies].flatMap((r) => messagesOf(r.xml));
    for (const m of ours) expect([m.bom, m.destination]).toEqual([true, 1]);
    expect(ours.map((m) => m.type)).toEqual(expect.arrayContaining(['PIPELINE_OUTPUT', 'WARNING_RECORD', 'PROGRESS_RECORD', 'PIPELINE_STATE']));
    const realTypes = new Set(messagesOf(real).map((m) => m.type));
    for (const type of ['PIPELINE_OUTPUT', 'WARNING_RECORD', 'PROGRESS_RECORD', 'PIPELINE_STATE']) expect(realTypes.has(type)).toBe(true);
  });

  it('an ERROR_RECORD arrives in the same Receive shape as Windows sends it', async () => {
    const { driver } = await openDriver();
    const { pipeline } = await driver.command({ statements: [[{ command: 'Get-Mailbox', parameters: { Identity: 'nobody@contoso.com' } }]] });
    const { replies } = await driver.receiveAll(pipeline.id.toUpperCase());
    const real = exchange('test_psrp_stream_output_invocation.yml', 'shell/Receive', (e) => e.response.includes('CommandState/Done')).response;
    expect(shapeOf(replies.at(-1)?.xml ?? '')).toEqual(shapeOf(real));
    expect(replies.flatMap((r) => messagesOf(r.xml)).map((m) => m.type)).toContain('ERROR_RECORD');
    expect(messagesOf(real).map((m) => m.type)).toContain('ERROR_RECORD');
  });

  it('SignalResponse, SendResponse and DeleteResponse', async () => {
    const { driver, fixture } = await openDriver();
    const { pipeline } = await driver.command({ statements: [[{ command: 'Get-Mailbox' }]], input: [fixture.upnOf('megan.bowen')] });
    const send = await driver.send(pipeline.id.toUpperCase(), pipeline.initialInput());
    expect(shapeOf(send.xml)).toEqual(shapeOf(exchange('test_psrp_with_input.yml', 'shell/Send').response));
    await driver.receiveAll(pipeline.id.toUpperCase());
    const signal = await driver.signal(pipeline.id.toUpperCase(), 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate');
    expect(shapeOf(signal.xml)).toEqual(shapeOf(exchange('test_psrp_nested_command.yml', 'shell/Signal').response));
    const deleted = await driver.delete();
    expect(shapeOf(deleted.xml)).toEqual(shapeOf(exchange('test_psrp_open_runspace.yml', 'transfer/Delete').response));
  });

  it('PIPELINE_STATE Failed (an unknown cmdlet) ends like test_psrp_error_failed.yml', async () => {
    const { driver } = await openDriver();
    const { pipeline } = await driver.command({ statements: [[{ command: 'Get-Nothing' }]] });
    const { replies } = await driver.receiveAll(pipeline.id.toUpperCase());
    const real = exchange('test_psrp_error_failed.yml', 'shell/Receive', (e) => e.response.includes('CommandState/Done')).response;
    expect(shapeOf(replies.at(-1)?.xml ?? '')).toEqual(shapeOf(real));
  });

  it('the w:TimedOut fault of an empty long-poll', async () => {
    const { driver } = await openDriver();
    const { reply } = await driver.receive();
    expect(reply.http.status).toBe(500);
    const real = exchange('test_psrp_long_running_cmdlet.yml', 'shell/Receive', (e) => e.response.includes('w:TimedOut')).response;
    expect(shapeOf(reply.xml)).toEqual(shapeOf(real));
  });

  it('the w:InvalidSelectors fault for a command that no longer exists', async () => {
    const { driver } = await openDriver();
    const { pipeline } = await driver.command({ statements: [[{ command: 'Get-Mailbox', parameters: { ResultSize: 1 } }]] });
    await driver.signal(pipeline.id.toUpperCase(), 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate');
    const { reply } = await driver.receive(pipeline.id.toUpperCase());
    const real = exchange('test_psrp_receive_failure.yml', 'shell/Receive', (e) => e.response.includes('w:InvalidSelectors')).response;
    expect(shapeOf(reply.xml)).toEqual(shapeOf(real));
  });

  it('EnumerateResponse of shells, as in test_psrp_disconnect_runspaces.yml', async () => {
    const { driver, fixture } = await openDriver();
    const second = new RpsDriver({ handle: fixture.endpoint.handle, upn: driver.options.upn, token: driver.token });
    await second.open();
    const listed = await driver.enumerate();
    const real = exchange('test_psrp_disconnect_runspaces.yml', 'enumeration/Enumerate', (e) => e.response.includes('<w:Items>')).response;
    expect(shapeOf(listed.xml)).toEqual(shapeOf(real));
  });
});
