/**
 * When and how long to wait before repeating a request, after the V3 module (reference §2.8): 1 try + 5 retries,
 * 2 s doubling, `Retry-After` (seconds) honoured on 429, and the service's transient exceptions retried.
 */
import { createAbortError, sleepUnlessAborted } from '@exops/contracts';
import type { ExopsError } from '@exops/contracts';

export interface RetryPolicy {
  /** Retries after the first try. */
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 2000, maxDelayMs: 60_000 };

/** Substrings of the service's error details that mean "try again" (the module's RetryableExceptions). */
export const TRANSIENT_SERVICE_EXCEPTIONS = [
  'DCOverloadedException',
  'SuitabilityDirectoryException',
  'ServerInMMException',
  'ADServerSettingsChangedException',
  'StorageTransientException',
  'You have reached the maximum number of concurrent requests per tenant',
] as const;

/** True for statuses the module retries (401 is handled separately: one renewal with the claims). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503 || status === 504 || status === 408;
}

export function isTransientServiceError(bodyText: string): boolean {
  return TRANSIENT_SERVICE_EXCEPTIONS.some((s) => bodyText.includes(s));
}

/** Delay before retry number `attempt` (1-based): Retry-After when given, else exponential with jitter. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterHeader: string | undefined, random: () => number = Math.random): number {
  if (retryAfterHeader !== undefined) {
    const seconds = Number(retryAfterHeader);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, policy.maxDelayMs);
    const date = Date.parse(retryAfterHeader);
    if (!Number.isNaN(date)) return Math.min(Math.max(0, date - Date.now()), policy.maxDelayMs);
  }
  const exp = policy.baseDelayMs * 2 ** (attempt - 1);
  // Up to 20% jitter so parallel workers do not retry in lockstep.
  return Math.min(exp * (1 + 0.2 * random()), policy.maxDelayMs);
}

/** Waits, or rejects with ABORTED as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepUnlessAborted(ms, signal);
}

/** The error every cancelled operation raises. */
export function abortError(signal: AbortSignal | undefined): ExopsError {
  return createAbortError(signal);
}
