import { Listr, ListrLogger, ProcessOutput, type ListrTask } from 'listr2';
import { runDoctor } from '../run-doctor.js';
import { DOCTOR_CHECKS } from '../checks/index.js';
import type { CheckResult, DoctorContext, DoctorReport, RunDoctorOptions } from '../types.js';

/** Options of {@link renderListr}. */
export interface ListrRenderOptions extends RunDoctorOptions {
  /** Where progress goes (default stderr, so stdout stays free for the table or `--json`). */
  readonly stream?: NodeJS.WriteStream;
  /** Force the plain line renderer (default: plain without a TTY, as listr2 decides). */
  readonly plain?: boolean;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Runs the doctor showing listr2 progress, one task per check: a spinner on a TTY, plain lines without one.
 * Returns the same report as {@link runDoctor}; print it with `renderSummaryTable` or `renderJson` afterwards.
 */
export async function renderListr(context: DoctorContext, options: ListrRenderOptions = {}): Promise<DoctorReport> {
  const stream = options.stream ?? process.stderr;
  const all = options.checks ?? DOCTOR_CHECKS;
  const only = options.only === undefined || options.only.length === 0 ? undefined : new Set(options.only);
  const excluded = new Set(options.skip ?? []);
  const selected = all.filter((c) => (only === undefined || only.has(c.id)) && !excluded.has(c.id));
  const finished = new Map(selected.map((c) => [c.id, deferred<CheckResult>()]));

  const tasks: ListrTask[] = selected.map((check) => ({
    title: check.title,
    task: async (_ctx, task): Promise<void> => {
      const result = await finished.get(check.id)!.promise;
      const fix = result.remedy === undefined ? '' : `\n  Fix: ${result.remedy}`;
      if (result.status === 'skip') {
        task.skip(result.summary);
        return;
      }
      // listr2 shows a thrown error as "<title> [FAILED: <message>]"; it has no warning state, so the title says it.
      if (result.status === 'fail') throw new Error(`${result.summary}${fix}`);
      task.title = result.status === 'warn' ? `${check.title} [WARNING: ${result.summary}]${fix}` : `${check.title}: ${result.summary}`;
    },
  }));

  const useTty = options.plain !== true && stream.isTTY === true;
  const list = new Listr(tasks, {
    concurrent: false,
    exitOnError: false,
    renderer: useTty ? 'default' : 'simple',
    fallbackRenderer: 'simple',
    rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(stream, stream) }) },
    fallbackRendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(stream, stream) }) },
  });

  const reportPromise = runDoctor(context, {
    ...options,
    onProgress: (event) => {
      if (event.type === 'finish') finished.get(event.result.id)?.resolve(event.result);
      options.onProgress?.(event);
    },
  });
  // runDoctor does not reject, but a throwing onProgress callback could make it; no task may wait forever then.
  const settled = reportPromise.finally(() => {
    for (const check of selected) {
      finished.get(check.id)?.resolve({ id: check.id, title: check.title, status: 'skip', summary: 'not run: the doctor stopped.', durationMs: 0 });
    }
  });
  const [report] = await Promise.all([settled, list.run().catch(() => undefined)]);
  return report;
}
