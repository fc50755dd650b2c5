/**
 * The RPS routes mounted in a real emulator (HTTPS on 127.0.0.1 port 0, real JWTs from the identity half), driven by
 * the product's RpsTransport over the real undici HttpTransport.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessToken, CommandInvocation, CommandStreamEvent, HttpTransport } from '@exops/contracts';
import { PSObject } from '@exops/contracts';
import { createUndiciHttpTransport } from '@exops/wsman';
import { createExchangeHalf } from '../exchange-adapter.js';
import { httpsCall } from '../test-support/https.js';
import { startTestEmulator, type TestEmulator } from '../test-support/emulator.js';
import { createRpsRoutes } from './routes.js';

interface RpsTransportLike {
  open(token: AccessToken): Promise<void>;
  invoke(invocation: CommandInvocation, token: AccessToken): AsyncIterable<CommandStreamEvent>;
  close(token?: AccessToken): Promise<void>;
}
type RpsTransportClass = new (options: { http: HttpTransport; connectionUri: string; operationTimeoutSeconds?: number }) => RpsTransportLike;
const TRANSPORT_SOURCE = fileURLToPath(new URL('../../../../packages/exo-client/src/rps/rps-transport.ts', import.meta.url));

const UPN = 'automation@contoso.com';
let emulator: TestEmulator;
let http: HttpTransport;

beforeAll(async () => {
  emulator = await startTestEmulator({
    exchange: (context) => {
      const half = createExchangeHalf(context);
      const rps = createRpsRoutes({ exchange: half, verifyAccessToken: context.verifyAccessToken, clock: context.clock, faults: context.faults });
      return { ...half, routes: [...rps, ...half.routes] };
    },
  });
  http = createUndiciHttpTransport({ ca: emulator.caCertPem });
});

afterAll(async () => {
  await http?.close();
  await emulator?.dispose();
});

async function signIn(): Promise<AccessToken> {
  const password = emulator.directory.findUser(UPN)?.password ?? '';
  const response = await httpsCall(`${emulator.url}/organizations/oauth2/v2.0/token`, emulator.caCertPem, {
    form: { grant_type: 'password', client_id: 'a0c73c16-a7e3-4564-9a95-2bdf47383716', username: UPN, password, scope: 'https://outlook.office365.com/.default' },
  });
  expect(response.status).toBe(200);
  const body = response.json<{ access_token: string; expires_in: number }>();
  const user = emulator.directory.findUser(UPN);
  return { token: body.access_token, expiresOn: new Date(Date.now() + body.expires_in * 1000), user: UPN, tenantId: user?.tenantId ?? '', scopes: [], kind: 'delegated', clientId: 'a0c73c16-a7e3-4564-9a95-2bdf47383716' };
}

describe('RPS over real HTTPS with real tokens', () => {
  it('opens a session, runs Get-Mailbox, refuses a bare Basic password with 401, and closes', async () => {
    const token = await signIn();
    const { RpsTransport } = (await import(pathToFileURL(TRANSPORT_SOURCE).href)) as { RpsTransport: RpsTransportClass };
    const transport = new RpsTransport({ http, connectionUri: `${emulator.url}/PowerShell-LiveID/`, operationTimeoutSeconds: 2 });
    await transport.open(token);
    const outputs: unknown[] = [];
    for await (const event of transport.invoke({ cmdlet: 'Get-Mailbox', parameters: { ResultSize: 3 } }, token)) if (event.type === 'output') outputs.push(event.value);
    expect(outputs).toHaveLength(3);
    expect((outputs[0] as PSObject).typeNames[0]).toBe('Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox');
    await transport.close(token);

    const refused = await httpsCall(`${emulator.url}/powershell-liveid?BasicAuthToOAuthConversion=true`, emulator.caCertPem, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${UPN}:not-a-token`).toString('base64')}`, 'content-type': 'application/soap+xml;charset=UTF-8' },
      body: '<s:Envelope/>',
    });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Basic realm="127.0.0.1"');
  });
});
