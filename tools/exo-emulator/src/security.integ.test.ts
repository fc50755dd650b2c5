/**
 * The emulator enforces what Exchange Online does, over real HTTPS on both endpoints (REST InvokeCommand and RPS
 * Create): bad signatures, wrong audiences, expired tokens and another tenant's data without a partner relation are
 * refused, each with the service's status and text; XML attacks and oversized bodies sent to the endpoints are refused
 * quickly. Bad tokens are built here, at test time, with jose from a real token's claims; none is ever written down.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWsmanResponse } from '@exops/wsman';
import { httpsCall, type TestResponse } from './test-support/https.js';
import { startTestEmulator, type TestEmulator } from './test-support/emulator.js';
import { RpsDriver, type DriverReply } from './rps/test-support/rps-driver.js';
import type { EmulatorRequest, EmulatorResponse } from './types.js';

const REST_CLIENT = 'fb78d390-0c51-40cd-8e17-fdbfab77341b';
const RPS_CLIENT = 'a0c73c16-a7e3-4564-9a95-2bdf47383716';
const EXCHANGE = 'https://outlook.office365.com';

let emulator: TestEmulator;
const tokens = new Map<string, string>();

beforeAll(async () => {
  emulator = await startTestEmulator({ writeStateFile: false });
}, 60_000);
afterAll(async () => {
  await emulator?.dispose();
});

/** A real token from the emulator's Entra half (ROPC), cached per user, client and resource. */
async function realToken(upn: string, client = REST_CLIENT, resource = EXCHANGE): Promise<string> {
  const key = `${upn} ${client} ${resource}`;
  const cached = tokens.get(key);
  if (cached !== undefined) return cached;
  const password = emulator.directory.findUser(upn)?.password ?? '';
  const response = await httpsCall(`${emulator.url}/organizations/oauth2/v2.0/token`, emulator.caCertPem, {
    form: { grant_type: 'password', client_id: client, username: upn, password, scope: `${resource}/.default` },
  });
  expect(response.status, response.text).toBe(200);
  const token = response.json()['access_token'] as string;
  tokens.set(key, token);
  return token;
}

/** The real token's claims and header, re-signed: with a fresh key (a forgery) or with the emulator's own key. */
async function resign(token: string, key: 'forged' | 'emulator', claims: Partial<JWTPayload> = {}): Promise<string> {
  const header = decodeProtectedHeader(token);
  const payload = { ...decodeJwt(token), ...claims };
  const signingKey =
    key === 'forged'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      : // The emulator keeps its RS256 key in the state folder this test created (a temporary folder, removed after).
        createPrivateKey(await readFile(join(emulator.stateDir, 'token-signing-key.pem'), 'utf8'));
  return new SignJWT(payload).setProtectedHeader({ ...header, alg: 'RS256' }).sign(signingKey);
}

function invoke(tenant: string, token: string, body?: string): Promise<TestResponse> {
  return httpsCall(`${emulator.url}/adminapi/beta/${tenant}/InvokeCommand`, emulator.caCertPem, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-cmdletname': 'Get-Mailbox' },
    body: body ?? JSON.stringify({ CmdletInput: { CmdletName: 'Get-Mailbox', Parameters: { ResultSize: 1 } } }),
  });
}

/** The service's REST error text: `error.details[0].message` is `ErrorId|Class|Message`, else `error.message`. */
function restErrorText(response: TestResponse): string {
  const body = response.json<{ error?: { message?: string; details?: { message?: string }[] } }>();
  return body.error?.details?.[0]?.message ?? body.error?.message ?? '';
}

/** An RPS client over real HTTPS: RpsDriver's requests, sent to the emulator's port with its CA trusted. */
function rpsDriver(upn: string, token: string, query = ''): RpsDriver {
  const handle = async (request: EmulatorRequest): Promise<EmulatorResponse> => {
    const response = await httpsCall(`${emulator.url}${request.url.pathname}${request.url.search}`, emulator.caCertPem, {
      method: request.method,
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
      body: request.body,
    });
    return { status: response.status, headers: response.headers as Record<string, string>, body: Buffer.from(response.text, 'utf8') };
  };
  return new RpsDriver({ handle, upn, token, ...(query === '' ? {} : { query }) });
}

/** RPS Create over HTTPS; a 401 comes back as the HTTP reply (WinRM shows "Access is denied."). */
async function rpsCreate(upn: string, token: string, query = ''): Promise<DriverReply> {
  return rpsDriver(upn, token, query).create();
}

function expectRpsAccessDenied(reply: DriverReply): void {
  expect(reply.http.status).toBe(401);
  expect(reply.http.headers?.['www-authenticate']).toBe('Basic realm="127.0.0.1"');
}

describe('tokens the service refuses, on REST InvokeCommand and RPS Create', () => {
  it('accepts the real token on both endpoints (the baseline the refusals are measured against)', async () => {
    const rest = await invoke('contoso.com', await realToken('automation@contoso.com'));
    expect(rest.status).toBe(200);
    const driver = rpsDriver('automation@contoso.com', await realToken('automation@contoso.com', RPS_CLIENT));
    const created = await driver.create();
    expect(created.http.status).toBe(200);
    expect(created.wsman.kind).toBe('create');
    expect((await driver.delete()).http.status).toBe(200);
  });

  it('a bad signature: the real claims re-signed with another key', async () => {
    const forged = await resign(await realToken('automation@contoso.com'), 'forged');
    const rest = await invoke('contoso.com', forged);
    expect(rest.status).toBe(401);
    expect(String(rest.headers['www-authenticate'])).toMatch(/^Bearer client_id="00000002-0000-0ff1-ce00-000000000000".*error="invalid_token"/);
    expect(restErrorText(rest)).toMatch(/The access token is not valid \(bad-signature\)\. The access token signature does not verify against the emulator signing key\./);
    // Raising privileges in a forged token changes nothing.
    const escalated = await resign(await realToken('alex.wilber@contoso.com'), 'forged', { wids: ['62e90394-69f5-4237-9190-012177145e10'] });
    expect((await invoke('contoso.com', escalated)).status).toBe(401);

    expectRpsAccessDenied(await rpsCreate('automation@contoso.com', await resign(await realToken('automation@contoso.com', RPS_CLIENT), 'forged')));
  });

  it('a token signed with alg none or HS256 is a bad signature too', async () => {
    const real = await realToken('automation@contoso.com');
    const [, payload] = real.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const rest = await invoke('contoso.com', none);
    expect(rest.status).toBe(401);
    expect(restErrorText(rest)).toMatch(/\(bad-signature\)\. The access token is signed with 'none'; only RS256 tokens/);
    const hs256 = await new SignJWT(decodeJwt(real)).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('k'.repeat(32)));
    expect(restErrorText(await invoke('contoso.com', hs256))).toMatch(/signed with 'HS256'/);
    expectRpsAccessDenied(await rpsCreate('automation@contoso.com', none));
  });

  it('the wrong audience: a real Microsoft Graph token, and Exchange claims re-signed for another audience', async () => {
    const graph = await realToken('automation@contoso.com', REST_CLIENT, 'https://graph.microsoft.com');
    expect(decodeJwt(graph).aud).toBe('https://graph.microsoft.com');
    const rest = await invoke('contoso.com', graph);
    expect(rest.status).toBe(401);
    expect(String(rest.headers['www-authenticate'])).toMatch(/error="invalid_token"/);
    expect(restErrorText(rest)).toMatch(/\(wrong-audience\)\. The access token is for 'https:\/\/graph\.microsoft\.com', not Exchange Online; request the scope https:\/\/outlook\.office365\.com\/\.default\./);
    const other = await resign(await realToken('automation@contoso.com'), 'emulator', { aud: 'https://outlook.office365.com.attacker.example' });
    expect(restErrorText(await invoke('contoso.com', other))).toMatch(/wrong-audience/);

    expectRpsAccessDenied(await rpsCreate('automation@contoso.com', await realToken('automation@contoso.com', RPS_CLIENT, 'https://graph.microsoft.com')));
  });

  it('an expired token: the real one after its lifetime on the emulator clock, and claims re-signed with a past exp', async () => {
    const restToken = await realToken('automation@contoso.com');
    const rpsToken = await realToken('automation@contoso.com', RPS_CLIENT);
    const exp = decodeJwt(restToken).exp ?? 0;
    const now = Math.floor(emulator.clock.now().getTime() / 1000);
    await emulator.admin.shiftClock(exp - now + 60);
    try {
      const rest = await invoke('contoso.com', restToken);
      expect(rest.status).toBe(401);
      expect(String(rest.headers['www-authenticate'])).toMatch(/error="invalid_token"/);
      expect(restErrorText(rest)).toMatch(/^The access token has expired\. The access token has expired; acquire a new token \(refresh\) and retry\./);
      expectRpsAccessDenied(await rpsCreate('automation@contoso.com', rpsToken));
    } finally {
      await emulator.admin.shiftClock(-(exp - now + 60));
    }
    const past = Math.floor(emulator.clock.now().getTime() / 1000) - 120;
    const stale = await resign(restToken, 'emulator', { iat: past - 3600, nbf: past - 3600, exp: past });
    expect(restErrorText(await invoke('contoso.com', stale))).toMatch(/^The access token has expired\./);
    expect((await invoke('contoso.com', restToken)).status).toBe(200);
  });

  it("another tenant's data without a partner relation: fabrikam's user on contoso (REST and RPS DelegatedOrg)", async () => {
    const rest = await invoke('contoso.com', await realToken('pradeep.gupta@fabrikam.com'));
    expect(rest.status).toBe(403);
    const fabrikam = emulator.directory.findUser('pradeep.gupta@fabrikam.com')!.tenantId;
    expect(restErrorText(rest)).toBe(`User 'pradeep.gupta@fabrikam.com' can't access the organization 'contoso.onmicrosoft.com': the tenant ${fabrikam} has no partner relationship with it.`);
    expect(rest.json<{ error: { innererror?: { type?: string } } }>().error.innererror?.type ?? rest.headers['x-exceptiontype']).toMatch(/DelegatedAccessDeniedException/);

    const driver = rpsDriver('pradeep.gupta@fabrikam.com', await realToken('pradeep.gupta@fabrikam.com', RPS_CLIENT), '&DelegatedOrg=contoso.com');
    const text = await rpsRefusalText(driver);
    expect(text).toBe(`[FailureCategory=AuthZ-DelegatedAccessDeniedException] User 'pradeep.gupta@fabrikam.com' can't access the organization 'contoso.onmicrosoft.com': the tenant ${fabrikam} has no partner relationship with it.`);
  });

  it("another tenant's data with the partner relation but no delegated role: alex.wilber@contoso.com on fabrikam", async () => {
    const rest = await invoke('fabrikam.com', await realToken('alex.wilber@contoso.com'));
    expect(rest.status).toBe(403);
    expect(restErrorText(rest)).toMatch(/^User 'alex\.wilber@contoso\.com' has no administrative role for delegated access to the organization 'fabrikam\.onmicrosoft\.com'\./);

    const driver = rpsDriver('alex.wilber@contoso.com', await realToken('alex.wilber@contoso.com', RPS_CLIENT), '&DelegatedOrg=fabrikam.com');
    expect(await rpsRefusalText(driver)).toBe("[FailureCategory=AuthZ-DelegatedAccessDeniedException] User 'alex.wilber@contoso.com' has no administrative role for delegated access to the organization 'fabrikam.onmicrosoft.com'.");
  });

  it("a validly signed token naming another tenant than its user's is refused, not trusted for that tenant", async () => {
    const fabrikamTenant = emulator.directory.findUser('pradeep.gupta@fabrikam.com')!.tenantId;
    const claims = { tid: fabrikamTenant, iss: `https://sts.windows.net/${fabrikamTenant}/` };
    const moved = await resign(await realToken('alex.wilber@contoso.com'), 'emulator', claims);
    const rest = await invoke('fabrikam.com', moved);
    expect(rest.status).toBe(401);
    expect(restErrorText(rest)).toBe(`The user 'alex.wilber@contoso.com' in the access token doesn't exist in tenant ${fabrikamTenant}.`);
    expectRpsAccessDenied(await rpsCreate('alex.wilber@contoso.com', await resign(await realToken('alex.wilber@contoso.com', RPS_CLIENT), 'emulator', claims)));
  });
});

/** Create then Receive: the service refuses the runspace in the Create reply or in the first Receive's fault. */
async function rpsRefusalText(driver: RpsDriver): Promise<string> {
  const { create, receive } = await driver.open();
  const reply = create.wsman.kind === 'fault' ? create : receive;
  try {
    expect(reply.http.status).toBe(500);
    if (reply.wsman.kind !== 'fault') throw new Error(`expected a fault, got ${reply.wsman.kind}`);
    return reply.wsman.fault.reason;
  } finally {
    if (create.wsman.kind === 'create') await driver.delete();
  }
}

const ENVELOPE_OPEN = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header><a:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/transfer/Create</a:Action></s:Header><s:Body>';
const ENVELOPE_CLOSE = '</s:Body></s:Envelope>';
const LOL = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`)].join('');

async function postRps(body: string, token: string): Promise<{ response: TestResponse; ms: number }> {
  const started = performance.now();
  const response = await httpsCall(`${emulator.url}/powershell-liveid?BasicAuthToOAuthConversion=true`, emulator.caCertPem, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`automation@contoso.com:Bearer ${token}`).toString('base64')}`, 'content-type': 'application/soap+xml;charset=UTF-8' },
    body,
  });
  return { response, ms: performance.now() - started };
}

describe('XML attacks and oversized bodies at the endpoints', () => {
  const attacks: [string, () => string, RegExp][] = [
    ['a DOCTYPE', () => `<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ELEMENT x ANY>]>${ENVELOPE_OPEN}${ENVELOPE_CLOSE}`, /DOCTYPE or entity declaration/],
    ['billion laughs', () => `<!DOCTYPE lolz [${LOL}]>${ENVELOPE_OPEN}<x>&lol9;</x>${ENVELOPE_CLOSE}`, /DOCTYPE or entity declaration/],
    ['an external entity', () => `<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${ENVELOPE_OPEN}<x>&xxe;</x>${ENVELOPE_CLOSE}`, /DOCTYPE or entity declaration/],
    ['a parameter entity', () => `<!DOCTYPE e [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>${ENVELOPE_OPEN}${ENVELOPE_CLOSE}`, /DOCTYPE or entity declaration/],
    ['an undeclared entity reference', () => `${ENVELOPE_OPEN}<x>&xxe;</x>${ENVELOPE_CLOSE}`, /Undefined XML entity &amp;xxe;/],
    ['10,000 levels of nesting', () => `${ENVELOPE_OPEN}${'<x>'.repeat(10_000)}${'</x>'.repeat(10_000)}${ENVELOPE_CLOSE}`, /nesting deeper than 64 levels/],
    ['10,000 attributes', () => `${ENVELOPE_OPEN}<x ${Array.from({ length: 10_000 }, (_, i) => `a${i}="1"`).join(' ')}/>${ENVELOPE_CLOSE}`, /more than 256 attributes/],
  ];

  for (const [name, build, cause] of attacks) {
    it(`RPS: ${name} is answered with a WS-Management fault naming it, in well under a second`, async () => {
      const { response, ms } = await postRps(build(), await realToken('automation@contoso.com', RPS_CLIENT));
      expect(response.status).toBe(500);
      const parsed = parseWsmanResponse(response.text);
      expect(parsed.kind).toBe('fault');
      expect(response.text).toMatch(cause);
      expect(ms).toBeLessThan(1_000);
    });
  }

  it('RPS: an attack from an unauthenticated caller is refused before the XML is read', async () => {
    const { response } = await postRps(`<!DOCTYPE lolz [${LOL}]>${ENVELOPE_OPEN}<x>&lol9;</x>${ENVELOPE_CLOSE}`, 'not-a-token');
    expect(response.status).toBe(401);
    expect(response.text).not.toMatch(/DOCTYPE/);
  });

  it('RPS: 100,000 levels and 100,000 attributes exceed MaxEnvelopeSize (512 KB) and are refused with 413 unread', async () => {
    const token = await realToken('automation@contoso.com', RPS_CLIENT);
    for (const body of [`${ENVELOPE_OPEN}${'<x>'.repeat(100_000)}${'</x>'.repeat(100_000)}${ENVELOPE_CLOSE}`, `${ENVELOPE_OPEN}<x ${Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(' ')}/>${ENVELOPE_CLOSE}`]) {
      const { response, ms } = await postRps(body, token);
      expect(response.status).toBe(413);
      expect(response.text).toMatch(/MaxEnvelopeSizekb is 500/);
      expect(ms).toBeLessThan(1_000);
    }
  });

  it('RPS and REST: a 50 MB body is refused by the body limit (413) before it is read', async () => {
    const big = `${ENVELOPE_OPEN}<x>${'x'.repeat(50 * 1024 * 1024)}</x>${ENVELOPE_CLOSE}`;
    const started = performance.now();
    const rps = await postRps(big, await realToken('automation@contoso.com', RPS_CLIENT)).catch((error: unknown) => error);
    const rest = await invoke('contoso.com', await realToken('automation@contoso.com'), `{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{"Identity":"${'x'.repeat(50 * 1024 * 1024)}"}}}`).catch((error: unknown) => error);
    for (const outcome of [rps, rest]) {
      // The server may close the socket while the client is still writing: then the refusal is the reset itself.
      if (outcome instanceof Error) expect((outcome as NodeJS.ErrnoException).code).toMatch(/EPIPE|ECONNRESET/);
      else {
        const response = 'response' in (outcome as object) ? (outcome as { response: TestResponse }).response : (outcome as TestResponse);
        expect(response.status).toBe(413);
        expect(response.text).toMatch(/Request body is larger than 10485760 bytes/);
      }
    }
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('REST: deep JSON under the body limit is refused with a 400, and the emulator keeps serving', async () => {
    const token = await realToken('automation@contoso.com');
    const deep = `{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{"Identity":${'['.repeat(500_000)}${']'.repeat(500_000)}}}}`;
    const started = performance.now();
    const response = await invoke('contoso.com', token, deep);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(response.status).toBe(400);
    expect(restErrorText(response)).toBe("Parameter 'Identity': the value is nested deeper than 64 levels.");
    expect((await invoke('contoso.com', token)).status).toBe(200);
  });
});
