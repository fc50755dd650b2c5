/**
 * `invokeMany({ batch: true })` against the emulator's `POST …/$batch` over REST, with a real token (password flow)
 * and the real undici transport: 25 Set-Mailbox calls go in 3 HTTP requests, and a bad item fails alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PSObject, createEmulatorEnvironment } from '@exops/contracts';
import type { HttpRequest, HttpResponse, HttpTransport } from '@exops/contracts';
import { createCredentialTokenProvider, createMemoryTokenCache } from '@exops/auth';
import { startEmulator, type RunningEmulator } from '@exops/exo-emulator';
import { ExoSession, createDefaultHttpTransport } from './index.js';
import type { BulkResult } from './index.js';

const AUTOMATION = 'automation@contoso.com';
const UNKNOWN = 'nobody-here@contoso.com';

/** Counts the URLs of the HTTP requests the session makes. */
class CountingHttp implements HttpTransport {
  readonly urls: string[] = [];
  constructor(private readonly inner: HttpTransport) {}
  request(request: HttpRequest): Promise<HttpResponse> {
    this.urls.push(request.url);
    return this.inner.request(request);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

let emu: RunningEmulator;
let stateDir: string;
let session: ExoSession;
let http: CountingHttp;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'exops-exo-client-batch-'));
  emu = await startEmulator({ port: 0, stateDir, writeStateFile: false, mailboxes: 100 });
  const environment = createEmulatorEnvironment(emu.url);
  const network = { ca: [emu.caCertPem] };
  const user = emu.directory.findUser(AUTOMATION);
  if (user === undefined) throw new Error(`fixture user ${AUTOMATION} is missing`);
  const tokenProvider = createCredentialTokenProvider({ environment, network, upn: AUTOMATION, password: user.password, protocol: 'rest', cache: createMemoryTokenCache(), output: () => undefined });
  http = new CountingHttp(createDefaultHttpTransport(network, 'rest'));
  session = await ExoSession.connect({ environment, network, transport: 'rest', upn: AUTOMATION, tokenProvider, http });
}, 60_000);

afterAll(async () => {
  await session?.close().catch(() => undefined);
  try {
    await emu?.close();
  } finally {
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  }
});

const smtp = (value: unknown): string => String((value as PSObject).get('PrimarySmtpAddress'));

describe('invokeMany with batch: true (REST)', () => {
  it('sends 25 Set-Mailbox in 3 $batch requests; Get-Mailbox shows every change; an unknown identity fails alone', async () => {
    const mailboxes = (await session.invokeAll('Get-Mailbox', { ResultSize: 24 })).output.map(smtp);
    expect(mailboxes).toHaveLength(24);
    const identities = [...mailboxes.slice(0, 13), UNKNOWN, ...mailboxes.slice(13)];
    const marker = `exops-batch-${randomBytes(4).toString('hex')}`;
    const before = http.urls.length;
    const results: BulkResult[] = [];
    const commands = identities.map((Identity, i) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity, CustomAttribute1: `${marker}-${i}` } }));
    for await (const r of session.invokeMany(commands, { concurrency: 2, batch: true })) results.push(r);
    const sent = http.urls.slice(before);
    expect(sent).toHaveLength(3);
    expect(sent.every((url) => url.endsWith('/$batch'))).toBe(true);

    const byIndex = [...results].sort((a, b) => a.index - b.index);
    expect(byIndex.map((r) => r.index)).toEqual(identities.map((_, i) => i));
    for (const r of byIndex) {
      expect(r.error).toBeUndefined();
      if (identities[r.index] === UNKNOWN) {
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0]).toMatchObject({ targetName: UNKNOWN, exceptionType: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException' });
      } else expect(r).toMatchObject({ output: [], errors: [] });
    }

    const after = new Map((await session.invokeAll('Get-Mailbox', { ResultSize: 24 })).output.map((m) => [smtp(m), (m as PSObject).get('CustomAttribute1')]));
    for (const [i, identity] of identities.entries()) if (identity !== UNKNOWN) expect(after.get(identity)).toBe(`${marker}-${i}`);
  }, 60_000);
});
