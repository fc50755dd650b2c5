/**
 * CLIXML message bodies from the shared vectors: the psrpcore oracle's messages and the Windows server's replies in
 * the pypsrp recordings (base64 fragments reassembled here with a few lines of [MS-PSRP] 2.2.4/2.2.1 so these
 * tests do not depend on the fragment code under development elsewhere in the package).
 */
import { listPsrpRecordings, loadPsrpcoreOracle, loadPypsrpRecording, readVectorText } from '@exops/test-vectors';

export interface VectorMessage {
  readonly source: string;
  readonly xml: string;
}

function collectOracleXml(node: unknown, path: string, out: VectorMessage[]): void {
  if (typeof node === 'string') {
    if (node.startsWith('<') && (path.endsWith('.data') || path.endsWith('.xml'))) out.push({ source: path, xml: node });
    return;
  }
  if (Array.isArray(node)) node.forEach((item, i) => collectOracleXml(item, `${path}[${i}]`, out));
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) collectOracleXml(value, `${path}.${key}`, out);
  }
}

/** Every message body psrpcore produced in the oracle (client_open, loopback_*, create_pipeline). */
export function oracleMessages(): VectorMessage[] {
  const oracle = loadPsrpcoreOracle();
  const out: VectorMessage[] = [];
  for (const key of ['client_open', 'loopback_open', 'client_create_pipeline', 'loopback_pipeline', 'client_fragmented_create_pipeline']) {
    collectOracleXml(oracle[key], key, out);
  }
  const unique = new Map(out.map((m) => [m.xml, m]));
  return [...unique.values()];
}

const STREAM = /<rsp:Stream [^>]*Name="stdout"[^>]*>([^<]+)<\/rsp:Stream>|<rsp:Stream [^>]*Name="(?:stdin|pr)"[^>]*>([^<]+)<\/rsp:Stream>|<creationXml[^>]*>([^<]+)<\/creationXml>|<rsp:Arguments>([^<]+)<\/rsp:Arguments>|<connectResponseXml[^>]*>([^<]+)<\/connectResponseXml>/g;

/** PSRP message bodies (UTF-8 bytes, BOM as sent) in every pypsrp recording, both directions. */
export function recordedMessages(): { source: string; data: Uint8Array }[] {
  const out: { source: string; data: Uint8Array }[] = [];
  for (const name of listPsrpRecordings()) {
    const recording = loadPypsrpRecording(name);
    const partial = new Map<string, Buffer[]>();
    recording.exchanges.forEach((exchange, i) => {
      for (const envelope of [exchange.request, exchange.response]) {
        if (typeof envelope !== 'string') continue;
        for (const m of envelope.matchAll(STREAM)) {
          const b64 = m.slice(1).find((g) => g !== undefined)!;
          let blob = Buffer.from(b64, 'base64');
          while (blob.length >= 21) {
            const objectId = blob.readBigUInt64BE(0).toString();
            const flags = blob[16]!;
            const length = blob.readUInt32BE(17);
            const data = blob.subarray(21, 21 + length);
            blob = blob.subarray(21 + length);
            const parts = flags & 1 ? [] : (partial.get(objectId) ?? []);
            parts.push(data);
            if (flags & 2) {
              partial.delete(objectId);
              const message = Buffer.concat(parts);
              const body = message.subarray(40);
              if (body.length > 0) out.push({ source: `${name}#${i}/${objectId}`, data: new Uint8Array(body) });
            } else {
              partial.set(objectId, parts);
            }
          }
        }
      }
    });
  }
  return out;
}

/** The standalone CLIXML documents: pypsrp's `#< CLIXML` captures. */
export function documentVectors(): VectorMessage[] {
  return ['test_sanitise_clixml_with_error.xml', 'test_sanitise_clixml_with_no_errors.xml'].map((f) => ({
    source: f,
    xml: readVectorText(`pypsrp/tests/tests_pypsrp/data/${f}`),
  }));
}

/** winrm-ruby's pretty-printed CLIXML templates with each `<%= name %>` replaced by a plain string. */
export function templateVectors(): VectorMessage[] {
  return ['error_record.xml.erb', 'pipeline_state.xml.erb'].map((f) => ({
    source: f,
    xml: readVectorText(`winrm-ruby/tests/spec/stubs/clixml/${f}`).replace(/<%=\s*(\w+)\s*%>/g, (_, name: string) =>
      name === 'pipeline_state' ? '4' : `value of ${name} – ünïcødé`,
    ),
  }));
}
