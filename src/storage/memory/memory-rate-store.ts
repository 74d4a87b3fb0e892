import type { RateStore } from "../../queue/rate-store.js";

/** Rate-limit records in a Map, for tests and the terminal's `generate`. */
export class MemoryRateStore implements RateStore {
  readonly #records = new Map<string, { hits: number[]; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async hits(userId: string): Promise<number[]> {
    const record = this.#records.get(userId);
    if (record && record.expiresAt <= this.#now()) this.#records.delete(userId);
    return Promise.resolve(record && record.expiresAt > this.#now() ? [...record.hits] : []);
  }

  async save(userId: string, hits: readonly number[], expiresAt: number): Promise<void> {
    this.#records.set(userId, { hits: [...hits], expiresAt });
    return Promise.resolve();
  }

  async forgetUser(userId: string): Promise<boolean> {
    return Promise.resolve(this.#records.delete(userId));
  }

  /** Drops records whose expiry passed by `now` (retention); returns how many. */
  async expire(now: number): Promise<number> {
    let count = 0;
    for (const [userId, record] of this.#records) {
      if (record.expiresAt <= now) {
        this.#records.delete(userId);
        count++;
      }
    }
    return Promise.resolve(count);
  }
}
