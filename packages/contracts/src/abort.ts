import { ExopsError, ExopsErrorCode } from './errors.js';

/** The error a cancelled operation raises: `what` names it (e.g. "The WS-Management operation"). */
export function createAbortError(signal: AbortSignal | undefined, what = 'The operation'): ExopsError {
  return new ExopsError(ExopsErrorCode.ABORTED, `${what} was cancelled.`, {
    remedy: 'Nothing to fix: the operation was cancelled by the caller.',
    cause: signal?.reason,
  });
}

/** Waits `ms`, or rejects with {@link createAbortError} as soon as the signal fires (a retry's backoff, a long-poll). */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal, what?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(createAbortError(signal, what));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(createAbortError(signal, what));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
