/**
 * Runs tasks one at a time per key, in call order; different keys run side by side. A task's
 * failure is its caller's (the returned promise rejects) and never blocks the tasks behind it.
 *
 * Admissions take the member's key so two clicks never both pass a limit; the queue applies one
 * event per job at a time; the Discord layer sends one reaction request per channel at a time.
 */
export class KeyLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    this.#tails.set(key, tail);
    try {
      await previous;
      return await task();
    } finally {
      release();
      // Only the last waiter removes the entry, so the map does not grow with every user seen.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Resolves once every task queued for `key` so far has finished. */
  async drained(key: string): Promise<void> {
    await this.#tails.get(key);
  }

  /** Resolves once every task queued so far, for any key, has finished. */
  async allDrained(): Promise<void> {
    await Promise.all(this.#tails.values());
  }

  get size(): number {
    return this.#tails.size;
  }
}
