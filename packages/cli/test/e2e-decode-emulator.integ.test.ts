/**
 * `exops decode` decodes everything the emulator sends: a real RPS session against the emulator (open, Get-Mailbox
 * with output, a command that writes an error record, close) is captured at the HTTP edge, envelope by envelope in
 * order, and the capture is handed to the built binary. Every PSRP message in it must decode, in both directions.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialTokenProvider, createMemoryTokenCache } from '@exops/auth';
import { createEmulatorEnvironment } from '@exops/contracts';
import type { HttpRequest, HttpResponse, HttpTransport } from '@exops/contracts';
import { ExoSession, createDefaultHttpTransport } from '@exops/exo-client';
import { startEmulator, type RunningEmulator } from '@exops/exo-emulator';
import { CLI } from './e2e-support.js';

const run = promisify(execFile);
const MAILBOX_TYPE = 'Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox';

let emu: RunningEmulator;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'exops-e2e-decode-emulator-'));
  emu = await startEmulator({ port: 0, stateDir: path.join(dir, 'emulator'), writeStateFile: false, mailboxes: 20 });
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Keeps every SOAP body that crosses the wire, requests and responses alike, in order. Headers are not kept. */
function capturing(inner: HttpTransport, envelopes: string[]): HttpTransport {
  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      if (request.body !== undefined) envelopes.push(typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8'));
      const response = await inner.request(request);
      const text = Buffer.from(response.body).toString('utf8');
      if (text.includes('Envelope')) envelopes.push(text);
      return response;
    },
    close: () => inner.close(),
  };
}

describe('exops decode on the emulator\'s own traffic', { timeout: 120_000 }, () => {
  it('decodes every PSRP message of an RPS session, both directions', async () => {
    const environment = createEmulatorEnvironment(emu.url);
    const network = { ca: [emu.caCertPem] };
    const upn = 'automation@contoso.com';
    const password = emu.directory.findUser(upn)?.password ?? '';
    const tokenProvider = createCredentialTokenProvider({ environment, upn, password, protocol: 'rps', network, cache: createMemoryTokenCache() });
    const envelopes: string[] = [];
    const http = capturing(createDefaultHttpTransport(network, 'rps'), envelopes);
    const session = await ExoSession.connect({ environment, upn, transport: 'rps', tokenProvider, http, network });
    try {
      expect((await session.invokeAll('Get-Mailbox', { ResultSize: 3 })).output).toHaveLength(3);
      expect((await session.invokeAll('Get-Mailbox', { Identity: 'nobody@contoso.com' })).errors).toHaveLength(1);
    } finally {
      await session.close();
      await http.close();
    }
    const capture = path.join(dir, 'capture.xml');
    await writeFile(capture, envelopes.join('\n'), { mode: 0o600 });

    const { stdout } = await run(process.execPath, [CLI, 'decode', capture, '--json', '--typed'], { maxBuffer: 64 * 1024 * 1024 });
    const messages = stdout.trim().split('\n').map((line) => JSON.parse(line) as { destination?: string; messageType?: string; data?: unknown });
    const types = (destination: string): string[] => messages.filter((m) => m.destination === destination).map((m) => m.messageType ?? '');

    expect(types('server')).toEqual(expect.arrayContaining(['SESSION_CAPABILITY', 'INIT_RUNSPACEPOOL', 'CREATE_PIPELINE']));
    expect(types('client')).toEqual(expect.arrayContaining(['SESSION_CAPABILITY', 'APPLICATION_PRIVATE_DATA', 'RUNSPACEPOOL_STATE', 'PIPELINE_OUTPUT', 'ERROR_RECORD', 'PIPELINE_STATE']));
    const mailboxes = messages.filter((m) => m.messageType === 'PIPELINE_OUTPUT').map((m) => m.data as { '@types'?: string[] });
    expect(mailboxes).toHaveLength(3);
    for (const mailbox of mailboxes) expect(mailbox['@types']?.[0]).toBe(MAILBOX_TYPE);
    expect(types('server').filter((t) => t === 'CREATE_PIPELINE')).toHaveLength(2);
  });
});
