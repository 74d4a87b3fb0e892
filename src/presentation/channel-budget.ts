/**
 * Edits allowed per channel in any window of `windowMs`. A sliding log rather than a token bucket:
 * a bucket that starts full lets through twice its rate inside one second (the burst plus the
 * refill), which is exactly the pile-up Discord's per-channel bucket punishes.
 *
 * `reserve` keeps that many of the window's edits back from a caller: progress edits leave one
 * for results, so a finished image is not stuck behind other jobs' step counters.
 */
export class ChannelBudget {
  private readonly sentAt: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1000,
  ) {}

  /** Whether one more edit may start at `now`, leaving `reserve` of the window's edits unused. */
  available(now: number, reserve = 0): boolean {
    this.forget(now);
    return this.sentAt.length < this.allowance(reserve);
  }

  take(now: number): void {
    this.sentAt.push(now);
  }

  /** When the next edit may start (`now` if one may start already), leaving `reserve` unused. */
  nextAt(now: number, reserve = 0): number {
    this.forget(now);
    const allowance = this.allowance(reserve);
    if (this.sentAt.length < allowance) return now;
    // The window is half-open: an edit at t stops counting once the clock reaches t + window.
    return (this.sentAt[this.sentAt.length - allowance] ?? now) + this.windowMs;
  }

  /** At least one edit per window is always allowed, whatever is reserved. */
  private allowance(reserve: number): number {
    return Math.max(1, this.limit - reserve);
  }

  /** Nothing sent within the window: the budget can be dropped without losing information. */
  idle(now: number): boolean {
    this.forget(now);
    return this.sentAt.length === 0;
  }

  private forget(now: number): void {
    let drop = 0;
    while (drop < this.sentAt.length && (this.sentAt[drop] ?? 0) <= now - this.windowMs) drop += 1;
    if (drop > 0) this.sentAt.splice(0, drop);
  }
}
