import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, isRetryableStatus, isTransientServiceError, retryDelayMs, sleep } from './retry.js';

describe('retry policy (reference §2.8)', () => {
  it('retries 429, 503, 504 and the transient exceptions only', () => {
    expect([429, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 500].some(isRetryableStatus)).toBe(false);
    expect(isTransientServiceError('...|Microsoft.Exchange.Data.Storage.StorageTransientException|...')).toBe(true);
  });

  it('honours Retry-After seconds, else doubles from 2 s', () => {
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, '3', () => 0)).toBe(3000);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, undefined, () => 0)).toBe(2000);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 3, undefined, () => 0)).toBe(8000);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 20, undefined, () => 0)).toBe(60_000);
  });

  it('stops sleeping when aborted', async () => {
    const c = new AbortController();
    const p = sleep(10_000, c.signal);
    c.abort();
    await expect(p).rejects.toMatchObject({ code: 'EXOPS_ABORTED' });
  });
});
