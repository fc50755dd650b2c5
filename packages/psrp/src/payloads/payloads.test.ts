import { describe, expect, it } from 'vitest';
import { ExopsError, ExopsErrorCode, PSObject, PSPrimitive } from '@exops/contracts';
import { deserializeClixml, serializeClixml } from '../clixml/index.js';
import { MessageType, type MessageTypeName } from '../message.js';
import { buildHostInfo, parseHostInfo } from './host-info.js';
import { parsePayload } from './index.js';
import { buildCreatePipeline, parseCreatePipeline } from './pipeline.js';
import { buildErrorRecord, parseErrorRecord } from './records.js';
import { buildRunspaceAvailability, buildUserEvent, parseRunspaceAvailability, parseUserEvent } from './session.js';
import { toPSValue } from './values.js';

const roundTrip = (v: PSObject): PSObject => deserializeClixml(serializeClixml(v)) as PSObject;

describe('CREATE_PIPELINE merge fields follow the negotiated protocol version', () => {
  const names = (version: string | undefined): string[] => {
    const body = roundTrip(buildCreatePipeline({ statements: [[{ command: 'Get-Mailbox', mergeStreams: 'all' }]] }, version));
    const ps = body.get('PowerShell') as PSObject;
    const cmd = (ps.get('Cmds') as PSObject).container!;
    return [...((cmd.kind === 'DCT' ? [] : cmd.items)[0] as PSObject).extended.keys()].filter((k) => k.startsWith('Merge'));
  };

  it('2.1 and unknown: only MergeMyResult/MergeToResult/MergePreviousResults; 2.2 adds four; 2.3 adds MergeInformation', () => {
    const base = ['MergeMyResult', 'MergeToResult', 'MergePreviousResults'];
    expect(names(undefined)).toEqual(base);
    expect(names('2.1')).toEqual(base);
    expect(names('2.2')).toEqual([...base, 'MergeError', 'MergeWarning', 'MergeVerbose', 'MergeDebug']);
    expect(names('2.3')).toEqual([...base, 'MergeError', 'MergeWarning', 'MergeVerbose', 'MergeDebug', 'MergeInformation']);
  });

  it('merging every stream sets Error→Output in the legacy fields and Output in each stream field', () => {
    const parsed = parseCreatePipeline(roundTrip(buildCreatePipeline({ statements: [[{ command: 'x', mergeStreams: 'all' }], [{ command: 'y' }]], isNested: true, addToHistory: true, history: 'h' }, '2.3')));
    expect(parsed.statements[0]![0]!.merge).toEqual({ myResult: 2, toResult: 1, previousResults: 0, error: 1, warning: 1, verbose: 1, debug: 1, information: 1 });
    expect(parsed.statements[1]![0]!.merge).toMatchObject({ myResult: 0, error: 0 });
    expect(parsed).toMatchObject({ isNested: true, addToHistory: true, history: 'h', noInput: true, redirectShellErrorOutputPipe: true });
    expect(parsed.statements.map((s) => s[0]!.command)).toEqual(['x', 'y']);
  });

  it('a switch without a value is bound as $true; positional arguments have a Nil name', () => {
    const parsed = parseCreatePipeline(roundTrip(buildCreatePipeline({ statements: [[{ command: 'Remove-Mailbox', parameters: [{ name: 'Confirm', value: false }, { name: 'Force' }, { value: 'bob' }] }]] }, '2.3')));
    expect(parsed.statements[0]![0]!.parameters).toEqual([
      { name: 'Confirm', value: false },
      { name: 'Force', value: true },
      { name: undefined, value: 'bob' },
    ]);
  });
});

describe('HostInfo', () => {
  it('round-trips console data and flags', () => {
    const options = {
      hostDefaultData: { foregroundColor: 15, backgroundColor: 9, cursorPosition: { x: 1, y: 2 }, cursorSize: 50, bufferSize: { width: 120, height: 3000 }, windowTitle: 'exops' },
      useRunspaceHost: false,
    };
    expect(parseHostInfo(roundTrip(buildHostInfo(options)))).toEqual({ ...options, isHostNull: false, isHostUINull: false, isHostRawUINull: false });
    expect(parseHostInfo(roundTrip(buildHostInfo()))).toEqual({ isHostNull: true, isHostUINull: true, isHostRawUINull: true, useRunspaceHost: true });
  });
});

describe('toPSValue', () => {
  it('maps plain JS the way PowerShell binds it', () => {
    expect(toPSValue(5)).toBe(5);
    expect(toPSValue(2 ** 40)).toEqual(new PSPrimitive('Db', 2 ** 40));
    expect(toPSValue(3n)).toEqual(new PSPrimitive('I64', 3n));
    expect(toPSValue(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toEqual(new PSPrimitive('DT', '2024-01-02T03:04:05Z'));
    expect(toPSValue(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 7)))).toEqual(new PSPrimitive('DT', '2024-01-02T03:04:05.0070000Z'));
    expect(toPSValue(undefined)).toBeNull();
    const list = toPSValue(['a', 1]) as PSObject;
    expect(list.typeNames[0]).toBe('System.Object[]');
    expect(list.container).toEqual({ kind: 'LST', items: ['a', 1] });
    const dict = toPSValue({ a: true }) as PSObject;
    expect(dict.container).toEqual({ kind: 'DCT', entries: [['a', true]] });
  });
});

describe('records', () => {
  it('ErrorRecord: ErrorDetails_Message wins over the exception message, Deserialized. is stripped', () => {
    const rec = buildErrorRecord({ message: 'inner', exceptionType: 'Deserialized.Foo.BarException', category: 'PermissionDenied', targetName: 't' });
    rec.extended.set('ErrorDetails_Message', 'shown to users');
    const info = parseErrorRecord(roundTrip(rec));
    expect(info).toMatchObject({ message: 'shown to users', exceptionType: 'Foo.BarException', category: 'PermissionDenied', targetName: 't', fullyQualifiedErrorId: 'RuntimeException' });
    expect(rec.get('ErrorCategory_Message')).toBe('PermissionDenied (t:) [], RuntimeException');
  });

  it('RUNSPACE_AVAILABILITY carries a Boolean or a count; USER_EVENT round-trips', () => {
    expect(parseRunspaceAvailability(roundTrip(buildRunspaceAvailability({ callId: 3n, value: 7n })))).toEqual({ callId: 3n, value: 7n });
    expect(parseRunspaceAvailability(roundTrip(buildRunspaceAvailability({ callId: 4n, value: false })))).toEqual({ callId: 4n, value: false });
    const e = parseUserEvent(roundTrip(buildUserEvent({ eventIdentifier: 1, sourceIdentifier: 's', timeGenerated: '2024-01-02T03:04:05Z', sender: null, sourceArgs: null, messageData: 'm', computerName: 'c', runspaceId: '76056a84-51dc-4f24-9262-ca2a55464b2b' })));
    expect(e).toMatchObject({ eventIdentifier: 1, sourceIdentifier: 's', timeGenerated: '2024-01-02T03:04:05Z', messageData: 'm', computerName: 'c', runspaceId: '76056a84-51dc-4f24-9262-ca2a55464b2b' });
  });
});

describe('every payload parser rejects a malformed body with PSRP_MESSAGE naming the message', () => {
  // Bodies that carry arbitrary values, or none, have nothing to reject.
  const lenient = new Set<MessageTypeName>(['PIPELINE_INPUT', 'PIPELINE_OUTPUT', 'END_OF_PIPELINE_INPUT', 'PUBLIC_KEY_REQUEST', 'CONNECT_RUNSPACEPOOL', 'DEBUG_RECORD', 'VERBOSE_RECORD', 'WARNING_RECORD']);
  const strict = (Object.keys(MessageType) as MessageTypeName[]).filter((t) => !lenient.has(t));

  it.each(strict)('%s', (type) => {
    for (const body of ['not an object', new PSObject({ extended: [['Unrelated', 1]] })]) {
      let caught: unknown;
      try {
        parsePayload(type, body);
      } catch (error) {
        caught = error;
      }
      if (caught === undefined) {
        // Records without required fields still read (PowerShell fills defaults); only a non-object is fatal.
        expect(['ERROR_RECORD', 'PROGRESS_RECORD', 'INFORMATION_RECORD', 'APPLICATION_PRIVATE_DATA', 'USER_EVENT', 'GET_COMMAND_METADATA', 'INIT_RUNSPACEPOOL'].includes(type) && body instanceof PSObject).toBe(true);
        continue;
      }
      expect(caught).toBeInstanceOf(ExopsError);
      expect((caught as ExopsError).code).toBe(ExopsErrorCode.PSRP_MESSAGE);
      expect((caught as ExopsError).message).toMatch(/[A-Z_]+/);
      expect((caught as ExopsError).remedy).toBeTruthy();
    }
  });
});
