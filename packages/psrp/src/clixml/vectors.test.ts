import { describe, expect, it } from 'vitest';
import { PSObject } from '@exops/contracts';
import { deserializeClixml, parseClixmlDocument, parseClixmlDocumentEntries } from './deserialize.js';
import { serializeClixml } from './serialize.js';
import { saxesDeserialize, saxesDocument } from './test-support/saxes-reference.js';
import { documentVectors, oracleMessages, recordedMessages, templateVectors } from './test-support/vectors.js';

const decoder = new TextDecoder();

describe('psrpcore oracle messages', () => {
  const messages = oracleMessages();

  it('finds the oracle message bodies', () => {
    expect(messages.length).toBeGreaterThan(10);
  });

  it.each(messages.map((m) => [m.source, m.xml]))('%s: deserialize then serialize gives psrpcore bytes back', (_, xml) => {
    const value = deserializeClixml(xml);
    expect(serializeClixml(value)).toBe(xml);
    expect(value).toEqual(saxesDeserialize(xml));
  });
});

describe('Windows server and pypsrp messages in the recordings', () => {
  const messages = recordedMessages();

  it('finds hundreds of message bodies', () => {
    expect(messages.length).toBeGreaterThan(200);
  });

  it('reads every recorded message body as saxes does, BOM or not', () => {
    let withBom = 0;
    for (const { source, data } of messages) {
      if (data[0] === 0xef) withBom++;
      const value = deserializeClixml(data);
      expect(value, source).toEqual(saxesDeserialize(decoder.decode(data)));
    }
    expect(withBom).toBeGreaterThan(50);
  });

  it('re-serializes every recorded message to XML that reads back to the same value', () => {
    for (const { source, data } of messages) {
      const value = deserializeClixml(data);
      expect(deserializeClixml(serializeClixml(value)), source).toEqual(value);
    }
  });
});

describe('standalone documents and templates', () => {
  it('reads the #< CLIXML captures with their streams', () => {
    const [withError, noErrors] = documentVectors();
    const entries = parseClixmlDocumentEntries(withError!.xml);
    expect(entries.map((e) => e.stream)).toEqual(['progress', 'progress', ...Array(8).fill('Error')]);
    expect(entries[2]!.value).toBe(
      "fake : The term 'fake' is not recognized as the name of a cmdlet, function, script file, or operable program. Check \r\n",
    );
    const progress = entries[0]!.value as PSObject;
    const record = progress.extended.get('Record') as PSObject;
    expect(progress.extended.get('SourceId')).toEqual(expect.objectContaining({ tag: 'I64', value: 1n }));
    expect(record.adapted.get('Activity')).toBe('Preparing modules for first use.');
    expect(record.adapted.get('ActivityId')).toBe(0);
    expect(record.adapted.get('CurrentOperation')).toBeNull();
    expect(record.adapted.get('RecordType')).toBe('Completed');
    expect(record.adapted.get('PercentComplete')).toBe(-1);
    expect(parseClixmlDocument(noErrors!.xml)).toHaveLength(2);
    for (const doc of documentVectors()) {
      expect(parseClixmlDocument(doc.xml)).toEqual(saxesDocument(doc.xml.replace(/^#< CLIXML\r?\n/, '')));
    }
  });

  it('reads the pretty-printed ErrorRecord and PIPELINE_STATE templates', () => {
    const [errorRecord, pipelineState] = templateVectors();
    const record = deserializeClixml(errorRecord!.xml) as PSObject;
    expect(record.typeNames).toEqual(['System.Management.Automation.ErrorRecord', 'System.Object']);
    expect(record.toStringValue).toBe('value of error_message – ünïcødé');
    expect(record.extended.get('writeErrorStream')).toBe(true);
    const state = deserializeClixml(pipelineState!.xml) as PSObject;
    expect(state.extended.get('PipelineState')).toBe(4);
    const inner = state.extended.get('ExceptionAsErrorRecord') as PSObject;
    const invocation = inner.extended.get('InvocationInfo') as PSObject;
    expect(invocation.adapted.get('PositionMessage')).toBe(
      "At line:1 char:1\r\n+ throw 'value of error_message – ünïcødé'\r\n+ ~~~~~~~~~~~~~~~~~~~~~~~~",
    );
    expect(invocation.adapted.get('HistoryId')).toEqual(expect.objectContaining({ tag: 'I64', value: -1n }));
    expect(inner.extended.get('ErrorDetails_ScriptStackTrace')).toBe('at <ScriptBlock>, <No file>: line 1');
    for (const t of templateVectors()) expect(deserializeClixml(t.xml)).toEqual(saxesDeserialize(t.xml));
  });
});
