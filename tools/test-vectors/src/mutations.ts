/**
 * The mutation machinery the fuzz tests share: a mutation record and its fast-check arbitrary, one implementation of
 * the byte and text mutations (bit flip, truncation, insertion, deletion, splicing, duplication, tag duplication,
 * repeated slices), the seed combiner, split points, and the "only typed errors, within the time budget" check.
 * Target-specific mutations (a BlobLength overwrite, JSON retyping) stay with their target, passed in as `custom`.
 */
import fc from 'fast-check';
import { isExopsError } from '@exops/contracts';

/** The mutations every target shares; a target may add its own kinds and handle them through `MutationOptions.custom`. */
export type CommonMutationKind = 'flip' | 'truncate' | 'insert' | 'delete' | 'splice' | 'duplicate' | 'duplicateTag' | 'repeat';

/** One mutation: `a` picks the position, `b` the size or bit, `piece` what `insert` writes. */
export interface Mutation<K extends string = CommonMutationKind, P = Uint8Array> {
  readonly kind: K;
  readonly a: number;
  readonly b: number;
  readonly piece: P;
}

/** Mutations of the listed kinds with any positions and the given insertable pieces. */
export function mutationArbitrary<K extends string, P>(kinds: readonly K[], piece: fc.Arbitrary<P>): fc.Arbitrary<Mutation<K, P>> {
  return fc.record({ kind: fc.constantFrom<K>(...kinds), a: fc.nat(), b: fc.nat(), piece });
}

export interface MutationOptions<P> {
  /** `delete` removes 1 to `deleteMax` units. */
  readonly deleteMax: number;
  /** `duplicate` writes a slice of 1 to `duplicateMax` units again, 1 to `duplicateTimes` (default 1) more times. */
  readonly duplicateMax?: number;
  readonly duplicateTimes?: number;
  /** `repeat` writes a slice of 1 to 64 units again up to `repeatMaxTimes` times and 32 Ki units in all. */
  readonly repeatMaxTimes?: number;
  /** Applies the target's own kinds; a kind neither shared nor handled here is a mistake in the test. */
  readonly custom?: (input: P, m: Mutation<string, P>, other: P) => P;
}

/** What the mutations need of a sequence: bytes and text alike. */
interface Sequence<P> {
  length(x: P): number;
  slice(x: P, from: number, to?: number): P;
  concat(parts: P[]): P;
  flip(x: P, at: number, bit: number): P;
  indexOf(x: P, char: number, from: number): number;
}

const BYTES: Sequence<Uint8Array> = {
  length: (x) => x.length,
  slice: (x, from, to) => x.subarray(from, to),
  concat: (parts) => Buffer.concat(parts),
  flip(x, at, bit) {
    const out = x.slice();
    out[at]! ^= 1 << bit;
    return out;
  },
  indexOf: (x, char, from) => x.indexOf(char, from),
};

const TEXT: Sequence<string> = {
  length: (x) => x.length,
  slice: (x, from, to) => x.slice(from, to),
  concat: (parts) => parts.join(''),
  flip: (x, at, bit) => x.slice(0, at) + String.fromCharCode(x.charCodeAt(at) ^ (1 << bit)) + x.slice(at + 1),
  indexOf: (x, char, from) => x.indexOf(String.fromCharCode(char), from),
};

const REPEAT_SPAN = 64;
const REPEAT_BUDGET = 32_768;

function bound(value: number | undefined, name: string, kind: string): number {
  if (value === undefined) throw new Error(`The '${kind}' mutation needs MutationOptions.${name}.`);
  return value;
}

function apply<P>(seq: Sequence<P>, input: P, m: Mutation<string, P>, other: P, options: MutationOptions<P>): P {
  const n = seq.length(input);
  const at = n === 0 ? 0 : m.a % (n + 1);
  const otherLength = seq.length(other);
  switch (m.kind) {
    case 'flip':
      return n === 0 ? input : seq.flip(input, m.a % n, m.b % 8);
    case 'truncate':
      return seq.slice(input, 0, at);
    case 'insert':
      return seq.concat([seq.slice(input, 0, at), m.piece, seq.slice(input, at)]);
    case 'delete':
      return seq.concat([seq.slice(input, 0, at), seq.slice(input, Math.min(n, at + 1 + (m.b % options.deleteMax)))]);
    case 'splice':
      return seq.concat([seq.slice(input, 0, at), seq.slice(other, otherLength === 0 ? 0 : m.b % otherLength)]);
    case 'duplicate': {
      const end = Math.min(n, at + 1 + (m.b % bound(options.duplicateMax, 'duplicateMax', m.kind)));
      const copies = Array.from({ length: 1 + (m.b % (options.duplicateTimes ?? 1)) }, () => seq.slice(input, at, end));
      return seq.concat([seq.slice(input, 0, end), ...copies, seq.slice(input, end)]);
    }
    case 'duplicateTag': {
      // A start or end tag written twice unbalances the tree or repeats a RefId.
      const open = seq.indexOf(input, 0x3c, at);
      const close = open < 0 ? -1 : seq.indexOf(input, 0x3e, open);
      return close < 0 ? input : seq.concat([seq.slice(input, 0, close + 1), seq.slice(input, open, close + 1), seq.slice(input, close + 1)]);
    }
    case 'repeat': {
      // Long runs of elements or text, still far below the decoders' limits.
      const end = Math.min(n, at + 1 + (m.b % REPEAT_SPAN));
      const slice = seq.slice(input, at, end);
      const length = seq.length(slice);
      if (length === 0) return input;
      const times = Math.min(bound(options.repeatMaxTimes, 'repeatMaxTimes', m.kind), Math.floor(REPEAT_BUDGET / length));
      return seq.concat([seq.slice(input, 0, end), ...Array.from({ length: times }, () => slice), seq.slice(input, end)]);
    }
    default:
      if (options.custom === undefined) throw new Error(`No handler for the '${m.kind}' mutation.`);
      return options.custom(input, m, other);
  }
}

/** Applies one mutation to bytes; `other` is the second parent of a splice. Slices share memory with the input. */
export function mutateBytes(input: Uint8Array, m: Mutation<string, Uint8Array>, other: Uint8Array, options: MutationOptions<Uint8Array>): Uint8Array {
  return apply(BYTES, input, m, other, options);
}

/** Applies one mutation to text (UTF-16 code units); `other` is the second parent of a splice. */
export function mutateText(input: string, m: Mutation<string, string>, other: string, options: MutationOptions<string>): string {
  return apply(TEXT, input, m, other, options);
}

/** A seed, mutated 1 to 4 times, splicing with a second seed. */
export function mutatedFrom<T, M>(seeds: readonly T[], mutation: fc.Arbitrary<M>, mutate: (input: T, m: M, other: T) => T): fc.Arbitrary<T> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([base, other, mutations]) => mutations.reduce((input, m) => mutate(input, m, other), base));
}

/** Cuts `bytes` at the given points (as real networks do), in order; the pieces join to `bytes`. */
export function chunks(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** How long one fuzz input may take, in the CI slices and (by default) in the long run. */
export const FUZZ_INPUT_BUDGET_MS = 1_000;

/**
 * Runs `fn` within `budgetMs`; anything thrown must be an ExopsError whose code is one of `codes` and that carries a
 * remedy. An untyped error is rethrown as it is; a wrong code, a missing remedy or a slow input throws an Error.
 */
export function typedOnly(codes: readonly string[], fn: () => void, budgetMs = FUZZ_INPUT_BUDGET_MS): 'ok' | 'error' {
  const started = performance.now();
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (!isExopsError(error)) throw error;
    if (!codes.includes(error.code)) throw new Error(`Expected one of ${codes.join(', ')}, got ${error.code}: ${error.message}`, { cause: error });
    if (!error.remedy) throw new Error(`${error.code} carries no remedy: ${error.message}`, { cause: error });
    return 'error';
  } finally {
    const elapsed = performance.now() - started;
    // A slow input fails whatever it returned or threw.
    if (elapsed >= budgetMs) throw new Error(`One input took ${elapsed.toFixed(0)} ms (budget ${budgetMs} ms).`);
  }
}

/** Checks `numRuns` seeded inputs from `arbitrary` under `typedOnly`; returns how many ended in a typed error. */
export function countTypedErrors<T>(arbitrary: fc.Arbitrary<T>, codes: readonly string[], check: (input: T) => void, run: { readonly seed: number; readonly numRuns: number }): number {
  let errors = 0;
  fc.assert(
    fc.property(arbitrary, (input) => {
      if (typedOnly(codes, () => check(input)) === 'error') errors++;
    }),
    { seed: run.seed, numRuns: run.numRuns },
  );
  return errors;
}
