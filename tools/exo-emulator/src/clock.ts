/**
 * The emulator's clock: wall time at start plus monotonic elapsed time plus a test-controlled offset. Reading the
 * monotonic timer (not Date.now) keeps the server's time independent of a test that fakes Date for its client
 * (MSAL's cache reads Date), so a test can move both sides by the same hour on purpose.
 */
import type { EmulatorClock } from './types.js';

/** Options of {@link createEmulatorClock}. */
export interface EmulatorClockOptions {
  /** The time the clock starts at. Default: the current wall time. */
  readonly start?: Date;
}

/** A clock that can be shifted (`POST /_admin/clock`) and reports its offset. */
export interface ShiftableClock extends EmulatorClock {
  /** Seconds the clock has been shifted in total. */
  offsetSeconds(): number;
}

/** Creates the clock every part of one emulator reads. */
export function createEmulatorClock(options: EmulatorClockOptions = {}): ShiftableClock {
  const startMs = (options.start ?? new Date()).getTime();
  const startHr = process.hrtime.bigint();
  let offsetMs = 0;
  return {
    now() {
      const elapsedMs = Number((process.hrtime.bigint() - startHr) / 1_000_000n);
      return new Date(startMs + elapsedMs + offsetMs);
    },
    shift(seconds) {
      if (!Number.isFinite(seconds)) throw new RangeError(`Clock shift must be a finite number of seconds, got ${seconds}.`);
      offsetMs += Math.round(seconds * 1000);
    },
    offsetSeconds() {
      return offsetMs / 1000;
    },
  };
}
