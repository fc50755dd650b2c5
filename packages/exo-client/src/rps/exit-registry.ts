/**
 * The RPS shells this process holds open, so that a Ctrl+C or SIGTERM still releases them: a leaked shell keeps one of
 * the user's few session slots (reference §3.1) until the server's idle timeout. The CLI owns the signal handlers
 * and calls {@link closeRegisteredForExit} from them; a library never installs process handlers behind its user's back.
 */

/** Anything that releases a server-side session. */
export interface ExitClosable {
  close(): Promise<void>;
  /** The server's id of the session (the RPS ShellId), once known. */
  readonly remoteSessionId?: string | undefined;
}

const registered = new Set<ExitClosable>();

/** Registers a transport to close at exit; RpsTransport does this itself once its shell exists. */
export function registerForExit(closable: ExitClosable): void {
  registered.add(closable);
}

/** Forgets a transport (after it closed). */
export function unregisterForExit(closable: ExitClosable): void {
  registered.delete(closable);
}

/** The ShellIds this process holds open: `removeAbandonedSessions` never deletes these. */
export function sessionIdsOpenInThisProcess(): Set<string> {
  const ids = new Set<string>();
  for (const c of registered) if (c.remoteSessionId !== undefined) ids.add(c.remoteSessionId.toUpperCase());
  return ids;
}

/** How many transports are registered (for diagnostics and tests). */
export function registeredForExitCount(): number {
  return registered.size;
}

/**
 * Closes every registered transport at once and resolves when all are closed or `timeoutMs` passed (default 5 s), so
 * a signal handler can await it and then exit. Never rejects.
 */
export async function closeRegisteredForExit(timeoutMs = 5000): Promise<{ closed: number; failed: number }> {
  const all = [...registered];
  let closed = 0;
  let failed = 0;
  const work = Promise.all(
    all.map((c) =>
      c.close().then(
        () => {
          closed += 1;
          registered.delete(c);
        },
        () => {
          failed += 1;
        },
      ),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  await Promise.race([work, timeout]);
  if (timer !== undefined) clearTimeout(timer);
  return { closed, failed: failed + (all.length - closed - failed) };
}
