/**
 * PowerShell progress records as bars on a terminal (cli-progress), one per ActivityId; nothing at all when stderr
 * is not a TTY, so piped output stays clean.
 */
import cliProgress from 'cli-progress';
import type { PSProgressInfo } from '@exops/contracts';

export interface ProgressDisplay {
  update(record: PSProgressInfo): void;
  stop(): void;
}

const NO_PROGRESS: ProgressDisplay = { update: () => undefined, stop: () => undefined };

export function createProgressDisplay(stream: NodeJS.WriteStream, enabled: boolean): ProgressDisplay {
  if (!enabled || stream.isTTY !== true) return NO_PROGRESS;
  const multi = new cliProgress.MultiBar(
    { stream, clearOnComplete: true, hideCursor: true, format: ' {bar} {percentage}% | {activity}: {status}', barsize: 24, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<number, cliProgress.SingleBar>();
  return {
    update(record) {
      let bar = bars.get(record.activityId);
      if (record.completed) {
        if (bar !== undefined) {
          multi.remove(bar);
          bars.delete(record.activityId);
        }
        return;
      }
      const percent = record.percentComplete >= 0 ? record.percentComplete : 0;
      const payload = { activity: record.activity, status: record.currentOperation ?? record.statusDescription };
      if (bar === undefined) {
        bar = multi.create(100, percent, payload);
        bars.set(record.activityId, bar);
      } else bar.update(percent, payload);
    },
    stop() {
      multi.stop();
    },
  };
}
