/** Reading a request body with a size bound, so one huge upload cannot exhaust the emulator's memory. */
import type { IncomingMessage } from 'node:http';

/** Default bound: WS-Management's MaxEnvelopeSize for Exchange Online is 512 KB; sign-in forms are tiny. 10 MiB leaves room for both. */
export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

/** Thrown when a body is larger than the limit; the server answers 413. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`Request body is larger than ${limitBytes} bytes; send a smaller request or start the emulator with a larger body limit.`);
  }
}

/** Reads the whole body, refusing (before reading) a declared Content-Length or (while reading) a stream over the limit. */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw new BodyTooLargeError(limitBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > limitBytes) throw new BodyTooLargeError(limitBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}
