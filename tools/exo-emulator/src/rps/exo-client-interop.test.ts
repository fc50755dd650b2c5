/**
 * The exo-client's own RpsTransport (the product's RPS client) against this endpoint, through an HttpTransport that
 * hands each request to the route handler: open, Get-Mailbox, an error, the session cap, close.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AccessToken, CommandInvocation, CommandStreamEvent, HttpRequest, HttpResponse, HttpTransport } from '@exops/contracts';
import { PSObject } from '@exops/contracts';
import { createRpsFixture, type RpsFixture } from './test-support/rps-fixture.js';

interface RpsTransportLike {
  open(token: AccessToken): Promise<void>;
  invoke(invocation: CommandInvocation, token: AccessToken): AsyncIterable<CommandStreamEvent>;
  close(token?: AccessToken): Promise<void>;
}
type RpsTransportClass = new (options: { http: HttpTransport; connectionUri: string; operationTimeoutSeconds?: number; upn?: string }) => RpsTransportLike;

const TRANSPORT_SOURCE = fileURLToPath(new URL('../../../../packages/exo-client/src/rps/rps-transport.ts', import.meta.url));

function httpOver(fixture: RpsFixture): HttpTransport {
  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
      const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
      const response = await fixture.endpoint.handle({ method: request.method, url: new URL(request.url), headers, body, remoteAddress: '127.0.0.1' });
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(response.headers ?? {})) out[k.toLowerCase()] = v;
      return { status: response.status, headers: out, body: Buffer.from(response.body ?? ''), url: request.url };
    },
    close: async () => undefined,
  };
}

function tokenOf(fixture: RpsFixture, alias: string): AccessToken {
  const upn = fixture.upnOf(alias);
  const user = fixture.exchange.directory.findUser(upn);
  return { token: fixture.tokenFor(upn), expiresOn: new Date(Date.now() + 3600_000), user: upn, tenantId: user?.tenantId ?? '', scopes: [], kind: 'delegated', clientId: 'a0c73c16-a7e3-4564-9a95-2bdf47383716' };
}

describe('the exo-client RpsTransport against the emulator endpoint', () => {
  it('opens, runs Get-Mailbox and an erroring command, refuses the 6th session with EXO_SESSION_CAP, and closes', async () => {
    const { RpsTransport } = (await import(pathToFileURL(TRANSPORT_SOURCE).href)) as { RpsTransport: RpsTransportClass };
    const fixture = createRpsFixture();
    const token = tokenOf(fixture, 'admin');
    const make = (): RpsTransportLike => new RpsTransport({ http: httpOver(fixture), connectionUri: 'https://outlook.office365.com/powershell-liveid/', operationTimeoutSeconds: 1 });
    const transport = make();
    await transport.open(token);
    const events: CommandStreamEvent[] = [];
    for await (const event of transport.invoke({ cmdlet: 'Get-Mailbox', parameters: { ResultSize: 5 } }, token)) events.push(event);
    const outputs = events.filter((e) => e.type === 'output').map((e) => (e as { value: unknown }).value);
    expect(outputs).toHaveLength(5);
    expect((outputs[0] as PSObject).typeNames[0]).toBe('Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox');

    const failed: CommandStreamEvent[] = [];
    let thrown: unknown;
    try {
      for await (const event of transport.invoke({ cmdlet: 'Get-Mailbox', parameters: { Identity: 'nobody@contoso.com' } }, token)) failed.push(event);
    } catch (error) {
      thrown = error;
    }
    const errorText = [...failed.filter((e) => e.type === 'error').map((e) => (e as { record: { message: string } }).record.message), thrown instanceof Error ? thrown.message : ''].join(' ');
    expect(errorText).toMatch(/couldn't be found/);

    const others = [make(), make(), make(), make()];
    for (const t of others) await t.open(token);
    let capError: unknown;
    try {
      await make().open(token);
    } catch (error) {
      capError = error;
    }
    expect((capError as { code?: string } | undefined)?.code).toBe('EXOPS_EXO_SESSION_CAP');
    await transport.close(token);
    for (const t of others) await t.close(token);
    expect(fixture.exchange.sessions.list(token.user)).toHaveLength(0);
  });
});
