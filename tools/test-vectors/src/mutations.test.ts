import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { chunks, countTypedErrors, mutateBytes, mutateText, mutatedFrom, mutationArbitrary, typedOnly, type Mutation } from './index.js';

const m = (kind: string, a: number, b = 0, piece = ''): Mutation<string, string> => ({ kind, a, b, piece });
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('mutations', () => {
  it('apply the same edit to text and to bytes', () => {
    const cases: [Mutation<string, string>, string][] = [
      [m('flip', 1, 0), 'ac<c>de'],
      [m('truncate', 3), 'ab<'],
      [m('insert', 2, 0, 'XY'), 'abXY<c>de'],
      [m('delete', 1, 2), 'a>de'],
      [m('splice', 2, 1), 'ab23'],
      [m('duplicate', 0, 1), 'ababab<c>de'],
      [m('duplicateTag', 0), 'ab<c><c>de'],
      [m('repeat', 5, 0), 'ab<c>ddddde'],
    ];
    const options = { deleteMax: 64, duplicateMax: 2, duplicateTimes: 3, repeatMaxTimes: 4 };
    for (const [mutation, expected] of cases) {
      expect(mutateText('ab<c>de', mutation, '123', options), mutation.kind).toBe(expected);
      const asBytes = { ...mutation, piece: bytes(mutation.piece) };
      expect(Buffer.from(mutateBytes(bytes('ab<c>de'), asBytes, bytes('123'), options)).toString(), mutation.kind).toBe(expected);
    }
    // Empty inputs stay well defined.
    for (const kind of ['flip', 'truncate', 'delete', 'splice', 'duplicate', 'duplicateTag', 'repeat']) expect(mutateText('', m(kind, 7, 9), '', options)).toBe('');
  });

  it('hand target-specific kinds to `custom` and refuse unknown kinds or missing bounds', () => {
    expect(mutateText('abc', m('upper', 0), '', { deleteMax: 1, custom: (input) => input.toUpperCase() })).toBe('ABC');
    expect(() => mutateText('abc', m('upper', 0), '', { deleteMax: 1 })).toThrow(/No handler for the 'upper' mutation/);
    expect(() => mutateText('abc', m('repeat', 0), '', { deleteMax: 1 })).toThrow(/needs MutationOptions.repeatMaxTimes/);
  });

  it('mutatedFrom is deterministic for a seed and mutates 1 to 4 times', () => {
    const arbitrary = mutatedFrom(['<a>b</a>', 'xyz'], mutationArbitrary(['insert'] as const, fc.constant('!')), (input, mutation, other) =>
      mutateText(input, mutation, other, { deleteMax: 1 }),
    );
    const first = fc.sample(arbitrary, { seed: 7, numRuns: 200 });
    expect(fc.sample(arbitrary, { seed: 7, numRuns: 200 })).toEqual(first);
    for (const text of first) expect(text.split('!').length - 1).toBeGreaterThanOrEqual(1);
    for (const text of first) expect(text.split('!').length - 1).toBeLessThanOrEqual(4);
  });

  it('chunks cut at sorted, distinct points and join to the input', () => {
    const input = bytes('0123456789');
    const parts = chunks(input, [7, 3, 13, 3]);
    expect(parts.map((p) => Buffer.from(p).toString())).toEqual(['012', '3456', '789']);
    expect(chunks(new Uint8Array(0), [5]).map((p) => p.length)).toEqual([0, 0]);
  });
});

describe('typedOnly', () => {
  const typed = (code: ExopsErrorCode, remedy?: string) => () => {
    throw new ExopsError(code, 'bad input', { remedy });
  };

  it('passes results and typed errors with a listed code and a remedy', () => {
    expect(typedOnly([ExopsErrorCode.PSRP_FRAGMENT], () => undefined)).toBe('ok');
    expect(typedOnly([ExopsErrorCode.PSRP_FRAGMENT], typed(ExopsErrorCode.PSRP_FRAGMENT, 'fix it'))).toBe('error');
  });

  it('fails on an untyped error, another code, a missing remedy or a slow input', () => {
    const untyped = new TypeError('x is undefined');
    expect(() =>
      typedOnly([ExopsErrorCode.PSRP_FRAGMENT], () => {
        throw untyped;
      }),
    ).toThrow(untyped);
    expect(() => typedOnly([ExopsErrorCode.PSRP_FRAGMENT], typed(ExopsErrorCode.PSRP_LIMIT, 'fix it'))).toThrow(/Expected one of .* got/);
    expect(() => typedOnly([ExopsErrorCode.PSRP_FRAGMENT], typed(ExopsErrorCode.PSRP_FRAGMENT))).toThrow(/carries no remedy/);
    const busy = (): void => {
      const until = performance.now() + 30;
      while (performance.now() < until);
    };
    expect(() => typedOnly([], busy, 10)).toThrow(/One input took \d+ ms \(budget 10 ms\)/);
  });
});

describe('countTypedErrors', () => {
  it('counts the typed errors of a seeded run, and fails the run on an untyped one', () => {
    const inputs = fc.sample(fc.nat(99), { seed: 3, numRuns: 100 });
    const check = (n: number): void => {
      if (n % 2 === 0) throw new ExopsError(ExopsErrorCode.PSRP_MESSAGE, 'even', { remedy: 'odd' });
    };
    expect(countTypedErrors(fc.nat(99), [ExopsErrorCode.PSRP_MESSAGE], check, { seed: 3, numRuns: 100 })).toBe(inputs.filter((n) => n % 2 === 0).length);
    const untyped = new RangeError('offset out of range');
    expect(() =>
      countTypedErrors(fc.nat(99), [ExopsErrorCode.PSRP_MESSAGE], (n) => {
        if (n > 50) throw untyped;
      }, { seed: 3, numRuns: 100 }),
    ).toThrow(expect.objectContaining({ message: expect.stringMatching(/^Property failed/), cause: untyped }));
  });
});
