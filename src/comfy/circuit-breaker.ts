/**
 * Per-backend circuit breaker: `failures` backend faults in a row open it for `cooldownMs`; then one job is let
 * through (half open) and its outcome closes or re-opens it.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openUntil = 0;

  constructor(
    private readonly failures: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get isOpen(): boolean {
    return this.now() < this.openUntil;
  }

  /** When the breaker lets jobs through again (0 when closed). */
  get reopensAt(): number {
    return this.isOpen ? this.openUntil : 0;
  }

  recordSuccess(): void {
    this.consecutive = 0;
    this.openUntil = 0;
  }

  /** Returns true when this failure opened the breaker. */
  recordFailure(): boolean {
    this.consecutive += 1;
    if (this.consecutive < this.failures) return false;
    this.consecutive = this.failures - 1;
    this.openUntil = this.now() + this.cooldownMs;
    return true;
  }
}
