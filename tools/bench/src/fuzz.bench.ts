/**
 * The long fuzz run (not a unit test; the CI slice is the `*.fuzz.test.ts` files): the same targets, a million inputs
 * by default, seeded from the shared vectors and mutated (bit flips, truncation, insertion, deletion, splicing, tag
 * duplication, repeated slices, huge fragment lengths) or generated. Prints per target: inputs run, inputs/s, the
 * slowest input, typed errors against successes, untyped failures and the process's peak RSS so far.
 *
 *   npm run -w @exops/bench fuzz
 *   FUZZ_INPUTS=1000000 FUZZ_MINUTES=10 FUZZ_SEED=1  (defaults; the run stops at whichever bound comes first)
 *
 * Exits 1 when any input escaped as something other than an ExopsError or took longer than FUZZ_SLOW_MS (1000).
 */
import { Defragmenter, FRAGMENT_HEADER_SIZE, createClixmlStreamParser, decodeMessage, deserializeClixml, parseClixmlDocument } from '@exops/psrp';
import { parseWsmanRequest, parseWsmanResponse } from '@exops/wsman';
import { RestTransport, parseRestErrorResponse } from '@exops/exo-client';
import { bindArguments, parsePowerShellValue, tokenizeCommandLine } from '@exops/cli';
import { isExopsError } from '@exops/contracts';
import type { AccessToken, HttpRequest, HttpResponse, HttpTransport } from '@exops/contracts';
import {
  FUZZ_INPUT_BUDGET_MS,
  extractPsrpBlobs,
  listPsrpRecordings,
  listPypsrpRecordings,
  listVectorFiles,
  loadPypsrpRecording,
  mutateBytes,
  readVectorText,
  type Mutation,
  type MutationOptions,
} from '@exops/test-vectors';

const TOTAL_INPUTS = Number(process.env['FUZZ_INPUTS'] ?? 1_000_000);
const TOTAL_MINUTES = Number(process.env['FUZZ_MINUTES'] ?? 10);
const SLOW_MS = Number(process.env['FUZZ_SLOW_MS'] ?? FUZZ_INPUT_BUDGET_MS);
let state = Number(process.env['FUZZ_SEED'] ?? 1) >>> 0 || 1;

/** xorshift32: a seeded generator, so a run can be repeated input for input. */
function next(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
}
const below = (n: number): number => (n <= 0 ? 0 : next() % n);
const pick = <T>(items: readonly T[]): T => items[below(items.length)]!;

// ---- seeds from the shared vectors --------------------------------------------------------------------------------

const encoder = new TextEncoder();
const fragmentSeeds: Uint8Array[] = [];
const messageSeeds: Uint8Array[] = [];
const bodySeeds: Uint8Array[] = [];
for (const name of listPsrpRecordings()) {
  const flows = [new Defragmenter(), new Defragmenter()];
  for (const exchange of loadPypsrpRecording(name).exchanges) {
    [exchange.request, exchange.response].forEach((envelope, direction) => {
      for (const blob of extractPsrpBlobs(envelope)) {
        const bytes = new Uint8Array(Buffer.from(blob.base64, 'base64'));
        if (bytes.length < FRAGMENT_HEADER_SIZE) continue;
        if (fragmentSeeds.length < 400) fragmentSeeds.push(bytes);
        try {
          for (const m of flows[direction]!.push(bytes)) {
            if (messageSeeds.length < 400) messageSeeds.push(m.data);
            const body = decodeMessage(m.data).data;
            if (body.length > 0 && bodySeeds.length < 400) bodySeeds.push(body);
          }
        } catch {
          flows[direction] = new Defragmenter();
        }
      }
    });
  }
}
const clixmlDocuments = ['test_sanitise_clixml_with_error.xml', 'test_sanitise_clixml_with_no_errors.xml'].map((f) => readVectorText(`pypsrp/tests/tests_pypsrp/data/${f}`));
const documentSeeds = clixmlDocuments.map((d) => encoder.encode(d));
const requestSeeds: Uint8Array[] = [];
const responseSeeds: Uint8Array[] = [];
for (const name of listPypsrpRecordings()) {
  for (const exchange of loadPypsrpRecording(name).exchanges.slice(0, 20)) {
    if (exchange.request.startsWith('<')) requestSeeds.push(encoder.encode(exchange.request));
    if (exchange.response.startsWith('<') && exchange.response.length < 200_000) responseSeeds.push(encoder.encode(exchange.response));
  }
}
for (const file of listVectorFiles('winrm-ruby/tests/spec/stubs/responses')) {
  responseSeeds.push(encoder.encode(readVectorText(`winrm-ruby/tests/spec/stubs/responses/${file}`).replace(/<%=\s*[^%]*%>/g, 'dGVzdA==')));
}
const BASE = 'https://outlook.office365.com';
const restPageSeeds = [
  JSON.stringify({ value: clixmlDocuments.map((d) => ({ _clixml: d })) }),
  JSON.stringify({ value: [{ Name: 'a', Quota: 107374182400, EmailAddresses: ['SMTP:a@contoso.com'], Nested: { 'x@odata.type': '#t', Deep: [1, 2.5, null, true] } }], '@odata.nextLink': `${BASE}/adminapi/beta/tid/InvokeCommand?$skiptoken=2`, '@adminapi.warnings': ['w'] }),
  JSON.stringify({ value: [], '@adminapi.errors': ['E|T|m', { message: 'E|T|m' }] }),
].map((s) => encoder.encode(s));
const restErrorSeeds = [
  JSON.stringify({ error: { code: 'Unauthorized', message: 'User is not allowed to call Get-Mailbox', innererror: { message: 'm', type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' } } }),
  JSON.stringify({ error: { code: 'BadRequest', message: 'x', details: [{ code: '5', target: 'Identity', message: "ParameterBindingFailed|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name 'Bogus'." }] } }),
].map((s) => encoder.encode(s));
const lineSeeds = [
  "Get-Mailbox -Identity 'Chris Green' -ResultSize 5",
  'Set-Mailbox -Identity alex.wilber@contoso.com -EmailAddresses @{Add="smtp:a@contoso.com"; Remove=\'smtp:b@contoso.com\'} -Confirm:$false',
  'New-TransportRule -Name "Block `"x`"" -SentTo a,b,c -Priority 0 -Enabled:$true -ExceptIfFrom @(\'x\',\'y\')',
  "Set-OrganizationConfig -AuditDisabled:$false -MaxQuota 2147483648 -Ratio 1.5e3 -Nothing $null -Nested @{a=@{b=@(1,@(2,3))}}",
].map((s) => encoder.encode(s));

// ---- mutations ----------------------------------------------------------------------------------------------------

const EMPTY = new Uint8Array(0);
const PIECES = ['<', '>', '/>', '</', '"', "'", '&amp;', '&#x0;', '&bogus;', '_x000D_', '<![CDATA[', ']]>', '<!--', '<?pi?>', '<!DOCTYPE x>', '<Obj RefId="0">', '</Obj>', '<Ref RefId="0" />', '{', '}', '[', ']', 'null', '"value":', '@(', '@{', '`', '$null', '\u0000', 'é'].map((s) => encoder.encode(s));

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** A huge BlobLength where a fragment header would have one ([MS-PSRP] 2.2.4: the u32 at offset 17). */
function hugeLength(input: Uint8Array, m: Mutation<string>): Uint8Array {
  const out = input.slice();
  if (out.length >= FRAGMENT_HEADER_SIZE) new DataView(out.buffer, out.byteOffset).setUint32(17, 0xffff_ffff - (m.b % 1024), false);
  return out;
}
const MUTATION_OPTIONS: MutationOptions<Uint8Array> = { deleteMax: 64, repeatMaxTimes: 1_024, custom: hugeLength };

/** Draws one mutation from the seeded generator (undefined: leave the input as it is). */
function drawMutation(n: number, otherLength: number): Mutation<string> | undefined {
  const at = below(n + 1);
  switch (below(9)) {
    case 0:
      return n === 0 ? { kind: 'flip', a: 0, b: 0, piece: EMPTY } : { kind: 'flip', a: below(n), b: below(8), piece: EMPTY };
    case 1:
      return { kind: 'truncate', a: at, b: 0, piece: EMPTY };
    case 2:
      return { kind: 'insert', a: at, b: 0, piece: below(2) === 0 ? pick(PIECES) : Uint8Array.from({ length: 1 + below(16) }, () => below(256)) };
    case 3:
      return { kind: 'delete', a: at, b: below(64), piece: EMPTY };
    case 4:
      return { kind: 'splice', a: at, b: below(otherLength), piece: EMPTY };
    case 5:
      return { kind: 'duplicateTag', a: at, b: 0, piece: EMPTY };
    case 6:
      return { kind: 'repeat', a: at, b: below(64), piece: EMPTY };
    case 7:
      return { kind: 'hugeLength', a: at, b: n >= FRAGMENT_HEADER_SIZE ? below(1024) : 0, piece: EMPTY };
    default:
      return undefined;
  }
}

function mutateOnce(input: Uint8Array, other: Uint8Array): Uint8Array {
  const m = drawMutation(input.length, other.length);
  return m === undefined ? input.slice() : mutateBytes(input, m, other, MUTATION_OPTIONS);
}

function mutated(seeds: readonly Uint8Array[]): Uint8Array {
  let bytes = pick(seeds);
  for (let i = 1 + below(4); i > 0; i--) bytes = mutateOnce(bytes, pick(seeds));
  return bytes;
}

const random = (max: number): Uint8Array => Uint8Array.from({ length: below(max) }, () => below(256));
const soup = (): Uint8Array => concat(...Array.from({ length: below(40) }, () => (below(3) === 0 ? random(6) : pick(PIECES))));
/** Nine inputs in ten mutate a seed; one in ten is generated (random bytes or a token soup). */
const input = (seeds: readonly Uint8Array[]): Uint8Array => (below(10) === 0 ? (below(2) === 0 ? random(300) : soup()) : mutated(seeds));
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

// ---- targets ------------------------------------------------------------------------------------------------------

class ScriptedHttp implements HttpTransport {
  constructor(private readonly answers: HttpResponse[]) {}
  request(_request: HttpRequest): Promise<HttpResponse> {
    const answer = this.answers.shift();
    return answer === undefined ? Promise.reject(new Error('script exhausted')) : Promise.resolve(answer);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
const token: AccessToken = { token: 'tok', expiresOn: new Date(Date.now() + 3600_000), user: 'admin@contoso.com', tenantId: 'tid', scopes: [], kind: 'delegated', clientId: 'c' };

interface Target {
  readonly name: string;
  readonly weight: number;
  run(): void | Promise<void>;
}

const targets: Target[] = [
  {
    name: 'Defragmenter',
    weight: 2,
    run() {
      const bytes = input(fragmentSeeds);
      const d = new Defragmenter({ maxMessageSize: 1 << 20, maxBufferedBytes: 2 << 20 });
      const cut = below(bytes.length + 1);
      d.push(bytes.subarray(0, cut));
      d.push(bytes.subarray(cut));
      d.finish();
    },
  },
  { name: 'decodeMessage', weight: 2, run: () => void decodeMessage(input(messageSeeds)) },
  { name: 'deserializeClixml', weight: 2, run: () => void deserializeClixml(input(bodySeeds)) },
  { name: 'parseClixmlDocument', weight: 1, run: () => void parseClixmlDocument(text(input(documentSeeds))) },
  {
    name: 'CLIXML stream parser',
    weight: 1,
    run() {
      const bytes = input(documentSeeds);
      const parser = createClixmlStreamParser();
      const cut = below(bytes.length + 1);
      parser.push(bytes.subarray(0, cut));
      parser.push(bytes.subarray(cut));
      parser.end();
    },
  },
  { name: 'parseWsmanResponse', weight: 1, run: () => void parseWsmanResponse(text(input(responseSeeds))) },
  { name: 'parseWsmanRequest', weight: 1, run: () => void parseWsmanRequest(text(input(requestSeeds))) },
  {
    name: 'parseRestErrorResponse',
    weight: 1,
    run() {
      const error = parseRestErrorResponse({ status: pick([400, 401, 403, 429, 500, 503]), headers: {}, body: input(restErrorSeeds), url: BASE }, 'Get-Mailbox');
      if (!isExopsError(error)) throw new Error('parseRestErrorResponse returned something that is not an ExopsError');
    },
  },
  {
    name: 'RestTransport pages',
    weight: 1,
    async run() {
      const answers = Array.from({ length: 1 + below(3) }, (): HttpResponse => ({ status: pick([200, 200, 200, 400, 500]), headers: {}, body: input([...restPageSeeds, ...restErrorSeeds]), url: BASE }));
      const transport = new RestTransport({ http: new ScriptedHttp(answers), baseUrl: BASE, retry: { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0 }, renewToken: () => Promise.resolve(token) });
      try {
        for await (const _event of transport.invoke({ cmdlet: 'Get-Mailbox', parameters: {} }, token)) void _event;
      } catch (error) {
        // The scripted transport's own end passes through untouched, as any HttpTransport error does.
        if (error instanceof Error && error.message === 'script exhausted') return;
        throw error;
      }
    },
  },
  { name: 'parsePowerShellValue', weight: 2, run: () => void parsePowerShellValue(text(input(lineSeeds))) },
  {
    name: 'tokenize + bindArguments',
    weight: 2,
    run() {
      const tokens = tokenizeCommandLine(text(input(lineSeeds)));
      bindArguments(tokens.slice(1));
    },
  },
];

// ---- the run ------------------------------------------------------------------------------------------------------

interface Stats {
  inputs: number;
  ok: number;
  typed: number;
  untyped: number;
  slowMs: number;
  elapsedMs: number;
  peakRssMb: number;
  codes: Map<string, number>;
  failures: string[];
}

const totalWeight = targets.reduce((sum, t) => sum + t.weight, 0);
const results: [Target, Stats][] = [];
console.log(`fuzz: ${TOTAL_INPUTS.toLocaleString('en-US')} inputs or ${TOTAL_MINUTES} min across ${targets.length} targets, seed ${process.env['FUZZ_SEED'] ?? 1}`);
console.log(`seeds: ${fragmentSeeds.length} fragment runs, ${messageSeeds.length} messages, ${bodySeeds.length} CLIXML bodies, ${documentSeeds.length} CLIXML documents, ${requestSeeds.length} requests, ${responseSeeds.length} responses`);
for (const target of targets) {
  const budgetInputs = Math.round((TOTAL_INPUTS * target.weight) / totalWeight);
  const budgetMs = (TOTAL_MINUTES * 60_000 * target.weight) / totalWeight;
  const stats: Stats = { inputs: 0, ok: 0, typed: 0, untyped: 0, slowMs: 0, elapsedMs: 0, peakRssMb: 0, codes: new Map(), failures: [] };
  const started = performance.now();
  while (stats.inputs < budgetInputs && performance.now() - started < budgetMs) {
    const before = performance.now();
    try {
      await target.run();
      stats.ok++;
    } catch (error) {
      if (isExopsError(error)) {
        stats.typed++;
        stats.codes.set(error.code, (stats.codes.get(error.code) ?? 0) + 1);
      } else {
        stats.untyped++;
        if (stats.failures.length < 3) stats.failures.push(error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : String(error));
      }
    }
    const took = performance.now() - before;
    if (took > stats.slowMs) stats.slowMs = took;
    stats.inputs++;
    if ((stats.inputs & 1023) === 0) stats.peakRssMb = Math.max(stats.peakRssMb, process.memoryUsage().rss / 1048576);
  }
  stats.elapsedMs = performance.now() - started;
  stats.peakRssMb = Math.max(stats.peakRssMb, process.memoryUsage().rss / 1048576);
  results.push([target, stats]);
  const codes = [...stats.codes.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c.replace('EXOPS_', '')} ${n}`).join(', ');
  console.log(
    `${target.name.padEnd(26)} ${String(stats.inputs).padStart(9)} inputs  ${String(Math.round(stats.inputs / (stats.elapsedMs / 1000))).padStart(7)}/s  slowest ${stats.slowMs.toFixed(1).padStart(7)} ms  ok ${stats.ok}  typed errors ${stats.typed}  untyped ${stats.untyped}  peak RSS ${stats.peakRssMb.toFixed(0)} MB${budgetInputs > stats.inputs ? '  (time bound)' : ''}`,
  );
  if (codes !== '') console.log(`${''.padEnd(27)}${codes}`);
  for (const failure of stats.failures) console.log(`${''.padEnd(27)}UNTYPED ${failure}`);
}
const inputs = results.reduce((sum, [, s]) => sum + s.inputs, 0);
const seconds = results.reduce((sum, [, s]) => sum + s.elapsedMs, 0) / 1000;
const untyped = results.reduce((sum, [, s]) => sum + s.untyped, 0);
const slow = results.filter(([, s]) => s.slowMs > SLOW_MS);
console.log(
  `total: ${inputs.toLocaleString('en-US')} inputs in ${seconds.toFixed(0)} s (${Math.round(inputs / seconds)}/s), untyped ${untyped}, inputs over ${SLOW_MS} ms in ${slow.length} target(s), peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB` +
    (inputs < TOTAL_INPUTS ? `; at this rate ${TOTAL_INPUTS.toLocaleString('en-US')} inputs take ~${((TOTAL_INPUTS / (inputs / seconds)) / 60).toFixed(0)} min` : ''),
);
if (untyped > 0 || slow.length > 0) process.exitCode = 1;
