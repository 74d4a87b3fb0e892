/** Ledgers past this size drop their idle entries (nothing in flight): they only break ties. */
const maxIdleEntries = 20_000;

/**
 * How much service each member (or server) has in flight and when it was last served, the two
 * things fairness looks at besides who is waiting. "Last served" is a tick of a counter, not a
 * time: only the order matters. Never served (or owed a turn) reads as -Infinity.
 */
export class ServiceLedger {
  readonly #inFlight = new Map<string, number>();
  readonly #lastServed = new Map<string, number>();
  readonly #tick: () => number;

  /** `tick` hands out increasing numbers, shared by the ledgers of one scheduler. */
  constructor(tick: () => number) {
    this.#tick = tick;
  }

  inFlight(key: string): number {
    return this.#inFlight.get(key) ?? 0;
  }

  lastServed(key: string): number {
    return this.#lastServed.get(key) ?? -Infinity;
  }

  /** A job of `key` was handed to a backend. */
  served(key: string): void {
    this.#inFlight.set(key, this.inFlight(key) + 1);
    this.#lastServed.delete(key);
    this.#lastServed.set(key, this.#tick());
    this.#evictIdle();
  }

  /** A job of `key` left its backend (finished, or lost and waiting again). */
  released(key: string): void {
    const left = this.inFlight(key) - 1;
    if (left > 0) this.#inFlight.set(key, left);
    else this.#inFlight.delete(key);
  }

  /** `key` lost a run through no fault of its own: it is served first among its equals. */
  owe(key: string): void {
    this.#lastServed.delete(key);
  }

  #evictIdle(): void {
    if (this.#lastServed.size <= maxIdleEntries) return;
    // Oldest first (Map order is insertion order, and `served` re-inserts).
    for (const key of this.#lastServed.keys()) {
      if (this.#lastServed.size <= maxIdleEntries / 2) break;
      if (!this.#inFlight.has(key)) this.#lastServed.delete(key);
    }
  }
}
