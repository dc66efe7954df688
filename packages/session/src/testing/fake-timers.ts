import type { Timers } from '../options.js';

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Timers driven by the test: nothing fires until advance() moves the clock past it. */
export interface FakeTimers extends Timers {
  /** Milliseconds since the fake clock started. */
  readonly now: number;
  /** Timers waiting to fire. */
  readonly pending: number;
  /** Moves the clock forward, firing due timers in order and letting the sessions react after each one. */
  advance(ms: number): Promise<void>;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createFakeTimers(): FakeTimers {
  const scheduled = new Map<number, Scheduled>();
  let now = 0;
  let seq = 0;
  return {
    get now() {
      return now;
    },
    get pending() {
      return scheduled.size;
    },
    setTimeout(fn, ms) {
      const handle = ++seq;
      scheduled.set(handle, { at: now + Math.max(0, ms), seq: handle, fn });
      return handle;
    },
    clearTimeout(handle) {
      scheduled.delete(handle as number);
    },
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (;;) {
        let next: [number, Scheduled] | undefined;
        for (const entry of scheduled) {
          const [, timer] = entry;
          if (
            timer.at <= target &&
            (!next || timer.at < next[1].at || (timer.at === next[1].at && timer.seq < next[1].seq))
          ) {
            next = entry;
          }
        }
        if (!next) break;
        scheduled.delete(next[0]);
        now = next[1].at;
        next[1].fn();
        await settle();
      }
      now = target;
      await settle();
    },
  };
}
