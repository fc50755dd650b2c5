/** The CLIXML body of one PSRP message: a fresh serializer per message ([MS-PSRP] 2.2.5: RefIds are per message). */
import type { PSValue } from '@exops/contracts';
import { deserializeClixml, serializeClixml } from './clixml/index.js';

const encoder = new TextEncoder();

/** Serializes one value as a message body (UTF-8, no BOM). */
export function encodeBody(value: PSValue): Uint8Array {
  return encoder.encode(serializeClixml(value));
}

/** Deserializes a message body; an empty body is null (PIPELINE_OUTPUT may be empty). */
export function decodeBody(data: Uint8Array): PSValue {
  if (data.length === 0) return null;
  return deserializeClixml(data);
}
