import type { Cancel } from "../../src/presentation/edit-scheduler.js";

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * The tests' one fake clock: a manual clock and timer queue. Tests move time with `advance`, nothing
 * sleeps. By default time starts at 0; with a `base` (e.g. `Date.now`, as the fake Discord uses) `now()`
 * is that wall clock plus whatever `advance` added, so tokens and messages can age without waiting.
 * Timers run only when `advance` reaches them, whatever the base does.
 */
export class FakeClock {
  /** How far `advance` has moved the clock, in ms; `now()` is `base() + time`. */
  time = 0;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(private readonly base: () => number = () => 0) {}

  readonly now = (): number => this.base() + this.time;

  readonly setTimer = (fn: () => void, ms: number): Cancel => {
    const timer: FakeTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };

  /** Run every timer due within `ms`, in time order, letting promise callbacks run between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settleMicrotasks();
      this.timers = this.timers.filter((timer) => !timer.cancelled);
      let next: FakeTimer | undefined;
      for (const timer of this.timers) {
        if (
          timer.at <= end &&
          (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
        ) {
          next = timer;
        }
      }
      if (next === undefined) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = end;
    await settleMicrotasks();
  }

  pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }
}

/** One macrotask turn: every promise callback queued so far, and those they queue, has run. */
export function settleMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
