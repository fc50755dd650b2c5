/**
 * Test-only access to `../shared/vectors`: the pypsrp recordings of real Windows servers, the WinRM (Ruby) stubs,
 * the winrm (Go) sample requests and psrpcore's frozen outputs. The folder is found beside the repository (as CI
 * lays it out) or through `EXOPS_VECTORS_DIR`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** The vectors folder; throws with the fix when it cannot be found. */
export function vectorsDir(): string {
  const fromEnv = process.env['EXOPS_VECTORS_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  // dist/index.js → tools/test-vectors → repo root → ../shared/vectors
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const candidate = path.resolve(repoRoot, '..', 'shared', 'vectors');
  if (!existsSync(candidate)) {
    throw new Error(`The protocol vectors were not found at ${candidate}. Put the shared folder beside the repository or set EXOPS_VECTORS_DIR.`);
  }
  return candidate;
}

/** One recorded exchange: the exact request the client sent and the exact response the server returned. */
export interface RecordedExchange {
  readonly request: string;
  readonly response: string;
  /** pypsrp test-runner directives: `transport_error`, `http_error`, `auth_error`, `timeout`, `overrides`. */
  readonly directives: Readonly<Record<string, unknown>>;
}

export interface Recording {
  readonly name: string;
  readonly exchanges: readonly RecordedExchange[];
}

const PYPSRP_RESPONSES = ['pypsrp', 'tests', 'tests_pypsrp', 'responses'];

/** File names of every pypsrp recording (without `_template.yml`). */
export function listPypsrpRecordings(): string[] {
  return readdirSync(path.join(vectorsDir(), ...PYPSRP_RESPONSES))
    .filter((f) => f.endsWith('.yml') && !f.startsWith('_'))
    .sort();
}

/** A pypsrp recording by file name. */
export function loadPypsrpRecording(name: string): Recording {
  const text = readFileSync(path.join(vectorsDir(), ...PYPSRP_RESPONSES, name), 'utf8');
  const doc = parseYaml(text, { maxAliasCount: 0 }) as { messages?: Record<string, unknown>[] };
  const exchanges = (doc.messages ?? []).map((m) => {
    const { request, response, ...directives } = m;
    return { request: String(request ?? ''), response: String(response ?? ''), directives };
  });
  return { name, exchanges };
}

/** The pypsrp recordings whose resource URI is PowerShell (PSRP), not WinRS cmd shells only. */
export function listPsrpRecordings(): string[] {
  return listPypsrpRecordings().filter((name) => {
    const rec = loadPypsrpRecording(name);
    return rec.exchanges.some((e) => e.request.includes('http://schemas.microsoft.com/powershell/'));
  });
}

/** `pypsrp/INVENTORY.json`. */
export function loadPypsrpInventory(): { files: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(path.join(vectorsDir(), 'pypsrp', 'INVENTORY.json'), 'utf8')) as { files: Record<string, unknown>[] };
}

/** Any file under the vectors folder, as text (e.g. `winrm-ruby/tests/spec/stubs/responses/soap_fault_v2.xml`). */
export function readVectorText(relativePath: string): string {
  return readFileSync(path.join(vectorsDir(), relativePath), 'utf8');
}

/** Lists files under a vectors subfolder, relative to it. */
export function listVectorFiles(relativeDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name), `${prefix}${entry.name}/`);
      else out.push(`${prefix}${entry.name}`);
    }
  };
  walk(path.join(vectorsDir(), relativeDir), '');
  return out.sort();
}

/** psrpcore's frozen outputs (`psrpcore-oracle.json`), untyped: see its keys in the vectors README. */
export function loadPsrpcoreOracle(): Record<string, any> {
  return JSON.parse(readFileSync(path.join(vectorsDir(), 'psrpcore-oracle', 'psrpcore-oracle.json'), 'utf8')) as Record<string, any>;
}

/** Where a PSRP blob sits in an envelope. */
export type PsrpBlobLocation = 'creationXml' | 'connectXml' | 'connectResponseXml' | 'Arguments' | 'Stream';

export interface PsrpBlob {
  readonly location: PsrpBlobLocation;
  /** The Stream element's Name (`stdin`, `pr`, `stdout`) where location is Stream. */
  readonly streamName: string | undefined;
  readonly commandId: string | undefined;
  readonly base64: string;
}

const BLOB_PATTERN =
  /<(?:[\w-]+:)?(creationXml|connectXml|connectResponseXml|Arguments|Stream)\b([^>]*?)(?:\/>|>([^<]*)<\/(?:[\w-]+:)?\1>)/g;

/**
 * The base64 PSRP blobs in an envelope, in document order; a test helper independent of the wsman parser so the two
 * can check each other. WinRS recordings carry raw bytes in Stream elements: callers skip those by resource URI.
 */
export function extractPsrpBlobs(envelope: string): PsrpBlob[] {
  const out: PsrpBlob[] = [];
  for (const m of envelope.matchAll(BLOB_PATTERN)) {
    const attrs = m[2] ?? '';
    const base64 = (m[3] ?? '').trim();
    if (base64 === '') continue;
    out.push({
      location: m[1] as PsrpBlobLocation,
      streamName: /\bName="([^"]*)"/.exec(attrs)?.[1],
      commandId: /\bCommandId="([^"]*)"/.exec(attrs)?.[1],
      base64,
    });
  }
  return out;
}

export * from './mutations.js';
export { CHROMIUM_PATH, chromiumSkipReason, hasChromium, launchChromiumTrusting } from './chromium.js';
