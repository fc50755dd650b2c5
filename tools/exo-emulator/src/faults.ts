/**
 * Fault injection: latency, connection resets, 500/503/429 replies and lost shells, chosen by rules and drawn from a
 * seeded generator so one seed always gives the same sequence of faults for the same sequence of requests.
 *
 * The server asks {@link FaultInjector.decide} once per request (never for `/_admin/`), waits `delayMs`, then destroys
 * the socket (`reset`) or replies with the status (`status`). A `shell-lost` decision passes through the server
 * untouched: the Exchange half asks `decide(request)` for the same request object (the decision is memoised per
 * request, so a rule with a `count` is spent once) and answers as a server that lost the shell does.
 */
import type { EmulatorRequest } from './types.js';

/** What a rule injects. `http-429` and `http-503` carry `Retry-After`. */
export type FaultKind = 'reset' | 'http-500' | 'http-503' | 'http-429' | 'shell-lost';

/** Every fault kind, for parsers and help texts. */
export const FAULT_KINDS: readonly FaultKind[] = ['reset', 'http-500', 'http-503', 'http-429', 'shell-lost'];

/** One fault rule; the first rule (in order) that matches a request and wins its draw decides the outcome. */
export interface FaultRule {
  readonly kind: FaultKind;
  /** Chance per matching request, 0..1. Default 1. */
  readonly probability?: number;
  /** Only requests whose path starts with this (case-insensitive, like IIS). Default: every path. */
  readonly pathPrefix?: string;
  /** Only requests with this method. */
  readonly method?: string;
  /** Let this many matching requests through before the rule may fire. Default 0. */
  readonly after?: number;
  /** The rule fires at most this many times. Default: unlimited. */
  readonly count?: number;
  /** `Retry-After` seconds for `http-429` and `http-503`. Default 2 for 429, 5 for 503. */
  readonly retryAfterSeconds?: number;
}

/** Latency added to every faultable request: a fixed number of milliseconds or a uniform range. */
export type LatencySpec = number | { readonly minMs: number; readonly maxMs: number };

/** The whole fault configuration, as the CLI and `POST /_admin/faults` take it. */
export interface FaultPlan {
  /** Seed of the generator; the plan restarts its sequence whenever it is set. Default: the emulator's seed. */
  readonly seed?: string;
  readonly latency?: LatencySpec;
  readonly rules?: readonly FaultRule[];
}

/** What to do to one request. `delayMs` is always present (0 when there is no latency). */
export type FaultDecision =
  | { readonly kind: 'latency'; readonly delayMs: number }
  | { readonly kind: 'reset'; readonly delayMs: number }
  | { readonly kind: 'status'; readonly delayMs: number; readonly status: 500 | 503 | 429; readonly retryAfterSeconds: number | undefined }
  | { readonly kind: 'shell-lost'; readonly delayMs: number };

/** The part of a request a rule looks at. */
export type FaultRequest = Pick<EmulatorRequest, 'method' | 'url'>;

/** Per-rule counters, for `GET /_admin/faults` and test assertions. */
export interface FaultRuleStats {
  readonly rule: FaultRule;
  readonly matched: number;
  readonly fired: number;
}

/** Decides faults; one per emulator, shared by the server and the Exchange half. */
export interface FaultInjector {
  /**
   * The fault for this request, or undefined when the request goes through untouched. Memoised per request object:
   * a second call with the same request returns the same decision without drawing again.
   */
  decide(request: FaultRequest): FaultDecision | undefined;
  /** Replaces the plan and restarts the generator from the plan's seed (or the injector's default seed). */
  configure(plan: FaultPlan): void;
  /** Removes every rule and the latency. */
  clear(): void;
  /** The plan in force. */
  plan(): FaultPlan;
  /** Counters of the rules in force. */
  stats(): readonly FaultRuleStats[];
}

/** Options of {@link createFaultInjector}. */
export interface FaultInjectorOptions {
  /** Seed used when a plan carries none. */
  readonly seed: string;
  readonly plan?: FaultPlan;
}

/** Thrown for a fault plan or `--fault` text that cannot be used; the message names the field and the fix. */
export class FaultPlanError extends Error {
  override readonly name = 'FaultPlanError';
}

/**
 * A small seeded generator (sfc32 seeded through cyrb128): fast, good enough for fault draws, and the same on every
 * platform, unlike Math.random.
 */
export function createSeededRandom(seed: string): () => number {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  let a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
  let b = (h2 ^ h1) >>> 0;
  let c = (h3 ^ h1) >>> 0;
  let d = (h4 ^ h1) >>> 0;
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Checks a plan (from JSON or the CLI) and returns it typed; throws {@link FaultPlanError} naming the bad field. */
export function parseFaultPlan(value: unknown): FaultPlan {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FaultPlanError('A fault plan must be a JSON object like {"latency": 50, "rules": [{"kind": "http-503", "probability": 0.1}]}.');
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (key !== 'seed' && key !== 'latency' && key !== 'rules') throw new FaultPlanError(`Unknown fault plan field '${key}'; the fields are seed, latency and rules.`);
  }
  const plan: { seed?: string; latency?: LatencySpec; rules?: FaultRule[] } = {};
  if (input['seed'] !== undefined) {
    if (typeof input['seed'] !== 'string' || input['seed'] === '') throw new FaultPlanError('Fault plan "seed" must be a non-empty string.');
    plan.seed = input['seed'];
  }
  if (input['latency'] !== undefined) plan.latency = parseLatency(input['latency']);
  if (input['rules'] !== undefined) {
    if (!Array.isArray(input['rules'])) throw new FaultPlanError('Fault plan "rules" must be an array of rules.');
    plan.rules = input['rules'].map((rule, index) => parseRule(rule, index));
  }
  return plan;
}

function parseLatency(value: unknown): LatencySpec {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new FaultPlanError('Fault plan "latency" must be a number of milliseconds >= 0.');
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const { minMs, maxMs } = value as Record<string, unknown>;
    if (typeof minMs === 'number' && typeof maxMs === 'number' && minMs >= 0 && maxMs >= minMs) return { minMs, maxMs };
  }
  throw new FaultPlanError('Fault plan "latency" must be milliseconds (50) or a range {"minMs": 10, "maxMs": 200} with 0 <= minMs <= maxMs.');
}

function parseRule(value: unknown, index: number): FaultRule {
  const where = `Fault rule ${index}`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new FaultPlanError(`${where} must be an object with a "kind".`);
  const input = value as Record<string, unknown>;
  const kind = input['kind'];
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new FaultPlanError(`${where}: "kind" must be one of ${FAULT_KINDS.join(', ')}.`);
  }
  const rule: {
    kind: FaultKind;
    probability?: number;
    pathPrefix?: string;
    method?: string;
    after?: number;
    count?: number;
    retryAfterSeconds?: number;
  } = { kind: kind as FaultKind };
  for (const [key, field] of Object.entries(input)) {
    switch (key) {
      case 'kind':
        break;
      case 'probability':
        if (typeof field !== 'number' || !(field >= 0 && field <= 1)) throw new FaultPlanError(`${where}: "probability" must be a number from 0 to 1.`);
        rule.probability = field;
        break;
      case 'pathPrefix':
        if (typeof field !== 'string' || !field.startsWith('/')) throw new FaultPlanError(`${where}: "pathPrefix" must be a path starting with '/'.`);
        rule.pathPrefix = field;
        break;
      case 'method':
        if (typeof field !== 'string' || field === '') throw new FaultPlanError(`${where}: "method" must be an HTTP method such as POST.`);
        rule.method = field.toUpperCase();
        break;
      case 'after':
      case 'count':
      case 'retryAfterSeconds':
        if (typeof field !== 'number' || !Number.isInteger(field) || field < 0) throw new FaultPlanError(`${where}: "${key}" must be a whole number >= 0.`);
        rule[key] = field;
        break;
      default:
        throw new FaultPlanError(`${where}: unknown field '${key}'; the fields are kind, probability, pathPrefix, method, after, count, retryAfterSeconds.`);
    }
  }
  return rule;
}

/**
 * Parses one `--fault` argument: `<kind>[:key=value,...]` with keys `p` (probability), `path`, `method`, `after`,
 * `count`, `retry-after`. Examples: `http-503:p=0.1`, `http-429:count=2,retry-after=3`, `reset:path=/adminapi,p=0.05`.
 */
export function parseFaultSpec(text: string): FaultRule {
  const [kind = '', options = ''] = splitOnce(text.trim(), ':');
  const rule: Record<string, unknown> = { kind };
  if (options !== '') {
    for (const pair of options.split(',')) {
      const [key = '', raw = ''] = splitOnce(pair, '=');
      const number = Number(raw);
      switch (key.trim()) {
        case 'p':
          rule['probability'] = raw === '' ? Number.NaN : number;
          break;
        case 'path':
          rule['pathPrefix'] = raw;
          break;
        case 'method':
          rule['method'] = raw;
          break;
        case 'after':
        case 'count':
          rule[key.trim()] = raw === '' ? Number.NaN : number;
          break;
        case 'retry-after':
          rule['retryAfterSeconds'] = raw === '' ? Number.NaN : number;
          break;
        default:
          throw new FaultPlanError(`--fault '${text}': unknown option '${key}'; use p, path, method, after, count or retry-after, e.g. http-503:p=0.1,path=/adminapi.`);
      }
    }
  }
  try {
    return parseRule(rule, 0);
  } catch (error) {
    throw new FaultPlanError(`--fault '${text}': ${(error as Error).message.replace(/^Fault rule 0: /, '')}`);
  }
}

/** Parses `--latency`: `50` (ms) or `10-200` (uniform range). */
export function parseLatencySpec(text: string): LatencySpec {
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  if (range) return parseLatency({ minMs: Number(range[1]), maxMs: Number(range[2]) });
  const fixed = Number(text);
  if (text.trim() === '' || Number.isNaN(fixed)) throw new FaultPlanError(`--latency '${text}': give milliseconds (50) or a range (10-200).`);
  return parseLatency(fixed);
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

interface RuleState {
  readonly rule: FaultRule;
  matched: number;
  fired: number;
}

/** Creates the injector; with no plan it never injects anything. */
export function createFaultInjector(options: FaultInjectorOptions): FaultInjector {
  let current: FaultPlan = {};
  let random = createSeededRandom(options.seed);
  let states: RuleState[] = [];
  let decisions = new WeakMap<object, FaultDecision | null>();

  const configure = (plan: FaultPlan): void => {
    current = parseFaultPlan(plan);
    random = createSeededRandom(current.seed ?? options.seed);
    states = (current.rules ?? []).map((rule) => ({ rule, matched: 0, fired: 0 }));
    decisions = new WeakMap();
  };

  const drawLatency = (): number => {
    const latency = current.latency;
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    return Math.round(latency.minMs + random() * (latency.maxMs - latency.minMs));
  };

  const matches = (rule: FaultRule, request: FaultRequest): boolean => {
    if (rule.method !== undefined && rule.method !== request.method.toUpperCase()) return false;
    if (rule.pathPrefix !== undefined && !request.url.pathname.toLowerCase().startsWith(rule.pathPrefix.toLowerCase())) return false;
    return true;
  };

  const draw = (request: FaultRequest): FaultDecision | undefined => {
    const delayMs = drawLatency();
    for (const state of states) {
      const { rule } = state;
      if (!matches(rule, request)) continue;
      if (rule.count !== undefined && state.fired >= rule.count) continue;
      state.matched++;
      if (state.matched <= (rule.after ?? 0)) continue;
      // Always draw, even at probability 1, so adding a rule does not shift the sequence of the rules after it.
      const roll = random();
      if (roll >= (rule.probability ?? 1)) continue;
      state.fired++;
      switch (rule.kind) {
        case 'reset':
          return { kind: 'reset', delayMs };
        case 'shell-lost':
          return { kind: 'shell-lost', delayMs };
        case 'http-500':
          return { kind: 'status', delayMs, status: 500, retryAfterSeconds: undefined };
        case 'http-503':
          return { kind: 'status', delayMs, status: 503, retryAfterSeconds: rule.retryAfterSeconds ?? 5 };
        case 'http-429':
          return { kind: 'status', delayMs, status: 429, retryAfterSeconds: rule.retryAfterSeconds ?? 2 };
      }
    }
    return delayMs > 0 ? { kind: 'latency', delayMs } : undefined;
  };

  if (options.plan !== undefined) configure(options.plan);

  return {
    decide(request) {
      const known = decisions.get(request);
      if (known !== undefined) return known ?? undefined;
      const decision = draw(request);
      decisions.set(request, decision ?? null);
      return decision;
    },
    configure,
    clear() {
      configure({});
    },
    plan() {
      return current;
    },
    stats() {
      return states.map(({ rule, matched, fired }) => ({ rule, matched, fired }));
    },
  };
}
