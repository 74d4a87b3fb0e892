/**
 * Runs tasks one at a time per key, in call order; different keys run side by side.
 * Admissions take the user's key so two clicks of one user never both pass a limit.
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

  get size(): number {
    return this.#tails.size;
  }
}
