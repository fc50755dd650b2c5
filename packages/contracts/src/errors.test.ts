import { describe, expect, it } from 'vitest';
import { ExopsError, ExopsErrorCode, isExopsError, toExopsError } from './errors.js';

class SubError extends ExopsError {}

describe('ExopsError', () => {
  it('carries code, remedy, details and cause', () => {
    const cause = new Error('inner');
    const e = new ExopsError(ExopsErrorCode.WSMAN_FAULT, 'outer', { remedy: 'do x', cause, details: { a: 1 } });
    expect(e.code).toBe('EXOPS_WSMAN_FAULT');
    expect(e.remedy).toBe('do x');
    expect(e.cause).toBe(cause);
    expect(e.toJSON()).toEqual({ name: 'ExopsError', code: 'EXOPS_WSMAN_FAULT', message: 'outer', remedy: 'do x', details: { a: 1 } });
  });

  it('is recognised across copies by its brand, while subclasses stay precise', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('exops.error')]: true });
    expect(foreign instanceof ExopsError).toBe(true);
    expect(isExopsError(new Error('plain'))).toBe(false);
    const base = new ExopsError(ExopsErrorCode.INTERNAL, 'b');
    expect(base instanceof SubError).toBe(false);
    expect(new SubError(ExopsErrorCode.INTERNAL, 's') instanceof SubError).toBe(true);
  });

  it('wraps foreign errors once', () => {
    const e = toExopsError(new TypeError('bad'), ExopsErrorCode.NETWORK);
    expect(e.code).toBe(ExopsErrorCode.NETWORK);
    expect(toExopsError(e)).toBe(e);
  });
});
