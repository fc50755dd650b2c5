/**
 * Fuzzing the REST response handling (deterministic CI slice): parseRestErrorResponse on error bodies, and
 * RestTransport driven by a scripted HttpTransport whose pages are mutated or generated JSON. Seeds: the service's
 * shapes from the reference (§2.5, §2.6) carrying the real CLIXML documents of the shared vectors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExopsErrorCode, isExopsError } from '@exops/contracts';
import type { AccessToken, CommandStreamEvent, HttpRequest, HttpResponse, HttpTransport } from '@exops/contracts';
import { FUZZ_INPUT_BUDGET_MS, mutateText, mutatedFrom as mutatedFromSeeds, mutationArbitrary, readVectorText, type Mutation } from '@exops/test-vectors';
import { parseRestErrorResponse } from './errors.js';
import { RestTransport, jsonToPSValue } from './rest-transport.js';

const SEED = 0x2e57_f022;
const BASE = 'https://outlook.office365.com';
const FIRST_URL = `${BASE}/adminapi/beta/tid/InvokeCommand`;
const token: AccessToken = { token: 'tok-1', expiresOn: new Date(Date.now() + 3600_000), user: 'admin@contoso.com', tenantId: 'tid', scopes: [], kind: 'delegated', clientId: 'c' };

const clixmlDocuments = ['test_sanitise_clixml_with_error.xml', 'test_sanitise_clixml_with_no_errors.xml'].map((f) => readVectorText(`pypsrp/tests/tests_pypsrp/data/${f}`));

const pageSeeds: string[] = [
  JSON.stringify({ '@odata.context': `${BASE}/adminapi/beta/tid/$metadata#Collection(Exchange.GenericHashTable)`, value: clixmlDocuments.map((d) => ({ _clixml: d })) }),
  JSON.stringify({ value: [{ Name: 'a', RecipientTypeDetails: 'UserMailbox', ProhibitSendQuota: 107374182400, EmailAddresses: ['SMTP:a@contoso.com'], Nested: { 'x@odata.type': '#t', Deep: [1, 2.5, null, true] } }], '@odata.nextLink': `${FIRST_URL}?$skiptoken=2`, '@adminapi.warnings': ['There are more results available than are currently displayed.'] }),
  JSON.stringify({ value: [], '@adminapi.errors': ["ManagementObjectNotFound|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found.", { message: 'E|T|m' }], '@adminapi.warnings': ['w'] }),
];
const errorSeeds: string[] = [
  JSON.stringify({ error: { code: 'Unauthorized', message: 'User is not allowed to call Get-Mailbox', innererror: { message: 'User is not allowed to call Get-Mailbox', type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' } } }),
  JSON.stringify({ error: { code: 'BadRequest', message: 'x', details: [{ code: '5', target: 'Identity', message: 'ParameterBindingFailed|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name \'Bogus\'.' }], innererror: { internalexception: { message: 'inner' } } } }),
  '<html><body>Proxy error</body></html>',
];

const JSON_PIECES = ['{', '}', '[', ']', ',', ':', '"', 'null', 'true', '1e309', '-0', '"value":', '"@odata.nextLink":', '"error":', '"details":', '"_clixml":', '\\u0000', '\\ud800', '[[[[[[[[', '{"a":{"a":{"a":'];
const restMutation: fc.Arbitrary<Mutation<'flip' | 'truncate' | 'insert' | 'delete' | 'splice' | 'duplicate' | 'retype', string>> = mutationArbitrary(
  ['flip', 'truncate', 'insert', 'delete', 'splice', 'duplicate', 'retype'] as const,
  fc.oneof(fc.constantFrom(...JSON_PIECES), fc.string({ maxLength: 6 })),
);

/** Valid JSON, wrong types: every member of the page or error body replaced by another kind of value. */
function retype(input: string, m: Mutation<string, string>): string {
  try {
    const parsed = JSON.parse(input) as unknown;
    const values = [null, 0, 'x', [], {}, [null], { message: null }, true];
    const swap = (v: unknown, depth: number): unknown => {
      if (depth > 0 && (m.a + depth) % 3 === 0) return values[(m.b + depth) % values.length];
      if (Array.isArray(v)) return v.map((x) => swap(x, depth + 1));
      if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x, depth + 1)]));
      return v;
    };
    return JSON.stringify(swap(parsed, 0));
  } catch {
    return input;
  }
}

const mutatedFrom = (seeds: readonly string[]): fc.Arbitrary<string> =>
  mutatedFromSeeds(seeds, restMutation, (input, m, other) => mutateText(input, m, other, { deleteMax: 32, duplicateMax: 128, custom: retype }));

class ScriptedHttp implements HttpTransport {
  readonly requests: HttpRequest[] = [];
  constructor(private readonly answers: HttpResponse[]) {}
  request(request: HttpRequest): Promise<HttpResponse> {
    this.requests.push(request);
    const next = this.answers.shift();
    // A finite script: a transport that follows links for ever ends here, with a network error.
    return next === undefined ? Promise.reject(new Error('script exhausted')) : Promise.resolve(next);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const response = (status: number, body: string, headers: Record<string, string> = {}): HttpResponse => ({ status, headers, body: Buffer.from(body), url: FIRST_URL });

const REST_CODES: readonly string[] = Object.values(ExopsErrorCode);

async function runPages(bodies: readonly { status: number; body: string }[]): Promise<{ outcome: 'ok' | 'error'; events: CommandStreamEvent[]; requests: number }> {
  const http = new ScriptedHttp(bodies.map((b) => response(b.status, b.body, b.status === 429 ? { 'retry-after': '0' } : {})));
  const transport = new RestTransport({ http, baseUrl: BASE, retry: { maxRetries: 1, baseDelayMs: 0, maxDelayMs: 0 }, renewToken: () => Promise.resolve(token), random: () => 0 });
  const events: CommandStreamEvent[] = [];
  const started = performance.now();
  try {
    for await (const event of transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, token)) events.push(event);
    return { outcome: 'ok', events, requests: http.requests.length };
  } catch (error) {
    if (!isExopsError(error)) {
      // The script's own end is a plain Error from the HttpTransport: passing it through unchanged is the contract.
      if (error instanceof Error && error.message === 'script exhausted') return { outcome: 'error', events, requests: http.requests.length };
      throw error;
    }
    expect(REST_CODES).toContain(error.code);
    expect(error.remedy ?? error.message).toBeTruthy();
    return { outcome: 'error', events, requests: http.requests.length };
  } finally {
    expect(performance.now() - started).toBeLessThan(FUZZ_INPUT_BUDGET_MS);
    // Every request the transport made went to the service's origin: the token never leaves it.
    for (const r of http.requests) expect(new URL(r.url).origin).toBe(BASE);
  }
}

describe('REST response handling under mutation', () => {
  it('the seeds are read as the service means them', async () => {
    const ok = await runPages([{ status: 200, body: pageSeeds[0]! }]);
    expect(ok.outcome).toBe('ok');
    expect(ok.events.filter((e) => e.type === 'output').length).toBeGreaterThan(2);
    const error = parseRestErrorResponse(response(400, errorSeeds[1]!), 'Get-Mailbox');
    expect(error.code).toBe(ExopsErrorCode.EXO_PARAMETER);
  });

  it('parseRestErrorResponse: any body maps to a typed ExoCommandError', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedFrom(errorSeeds), fc.json({ maxDepth: 4 }), fc.string({ maxLength: 80 })), fc.constantFrom(400, 401, 403, 404, 429, 500, 503), (body, status) => {
        const started = performance.now();
        const error = parseRestErrorResponse(response(status, body, { 'request-id': 'r' }), 'Get-Mailbox');
        expect(isExopsError(error)).toBe(true);
        expect(REST_CODES).toContain(error.code);
        expect(typeof error.record.message).toBe('string');
        expect(performance.now() - started).toBeLessThan(FUZZ_INPUT_BUDGET_MS);
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('RestTransport: mutated and generated pages, with errors and next links, give events or typed errors', async () => {
    let errors = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            status: fc.constantFrom(200, 200, 200, 400, 401, 429, 500),
            body: fc.oneof({ weight: 4, arbitrary: mutatedFrom([...pageSeeds, ...errorSeeds]) }, { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (bodies) => {
          if ((await runPages(bodies)).outcome === 'error') errors++;
        },
      ),
      { seed: SEED, numRuns: 1_500 },
    );
    expect(errors).toBeGreaterThan(300);
  });

  it('regressions: wrong member types, deep JSON and hostile next links are typed errors', async () => {
    for (const body of ['{"value":5}', '{"value":"abc"}', '{"@adminapi.warnings":{}}', '{"@adminapi.errors":[null,7]}', '{"value":[],"@odata.nextLink":7}']) {
      const run = await runPages([{ status: 200, body }]);
      if (run.outcome === 'ok') expect(body).toBe('{"@adminapi.errors":[null,7]}');
    }
    const deep = `{"value":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
    expect((await runPages([{ status: 200, body: deep }])).outcome).toBe('error');
    expect(() => jsonToPSValue(JSON.parse('['.repeat(10_000) + ']'.repeat(10_000)))).toThrow(expect.objectContaining({ code: ExopsErrorCode.EXO_SERVICE, message: expect.stringMatching(/nested deeper than 256/) }));
    for (const body of ['{"error":null}', '{"error":{"details":[null]}}', '{"error":{"details":"x"}}', 'null', '[]', '{"error":{"innererror":5}}']) {
      expect(parseRestErrorResponse(response(500, body), 'Get-Mailbox').code).toBe(ExopsErrorCode.EXO_SERVICE);
    }
    // A next link to another host would carry the bearer token there; one that repeats would loop for ever.
    const evil = await runPages([{ status: 200, body: JSON.stringify({ value: [], '@odata.nextLink': 'https://attacker.example/steal' }) }, { status: 200, body: '{"value":[]}' }]);
    expect(evil).toMatchObject({ outcome: 'error', requests: 1 });
    const loop = Array.from({ length: 5 }, () => ({ status: 200, body: JSON.stringify({ value: [{ Name: 'a' }], '@odata.nextLink': `${FIRST_URL}?$skiptoken=1` }) }));
    expect(await runPages(loop)).toMatchObject({ outcome: 'error', requests: 2 });
  });
});
