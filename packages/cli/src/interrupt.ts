/**
 * Ctrl-C as admins expect it: the first stops the running pipeline (and the session is closed on the way out), the
 * second forces the close and exits 130. The remote session is deleted in both cases.
 */
export interface InterruptScope {
  readonly signal: AbortSignal;
  /** Registers what a forced exit must still do (delete the remote session). */
  onForce(cleanup: () => Promise<void>): void;
  dispose(): void;
}

export function createInterruptScope(notify: (message: string) => void, exit: (code: number) => void = (c) => process.exit(c)): InterruptScope {
  const controller = new AbortController();
  const cleanups: (() => Promise<void>)[] = [];
  let count = 0;
  const onSignal = (): void => {
    count += 1;
    if (count === 1) {
      notify('Stopping... (Ctrl-C again to force the session closed)');
      controller.abort(new Error('Interrupted by Ctrl-C'));
      return;
    }
    notify('Closing the session and exiting.');
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
    void Promise.race([Promise.allSettled(cleanups.map((c) => c())), deadline]).then(() => exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    onForce: (cleanup) => void cleanups.push(cleanup),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
