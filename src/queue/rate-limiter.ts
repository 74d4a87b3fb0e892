import type { RateStore } from "./rate-store.js";

export interface WindowLimits {
  jobsPerWindow: number;
  windowSeconds: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

/** Users whose records stay cached; past this the cache is dropped and refilled from the store. */
const maxCachedUsers = 20_000;

/**
 * A sliding-window log per user: at most `jobsPerWindow` admissions in any `windowSeconds`.
 * A hit at time t counts while now < t + window (at exactly t + window it has expired).
 *
 * One record per user holding at most `jobsPerWindow` timestamps, written with a TTL of one
 * window, so the store never holds a row per job and idle users cost nothing. The store is the
 * truth: a restart reloads the record and nobody's limit resets. Callers serialize per user.
 */
export class RateLimiter {
  readonly #records: RateStore;
  readonly #now: () => number;
  readonly #cache = new Map<string, number[]>();

  constructor(records: RateStore, now: () => number = Date.now) {
    this.#records = records;
    this.#now = now;
  }

  async check(userId: string, limits: WindowLimits): Promise<RateDecision> {
    const now = this.#now();
    const windowMs = limits.windowSeconds * 1000;
    const live = (await this.#hits(userId)).filter((hit) => hit + windowMs > now);
    if (live.length < limits.jobsPerWindow) return { ok: true };
    // The hit whose expiry brings the count below the limit.
    const blocking = live[live.length - limits.jobsPerWindow] ?? now;
    return { ok: false, retryAfterMs: Math.max(1, blocking + windowMs - now) };
  }

  /**
   * Counts one admission, at once in memory and then in the store. Never rejects: `stored` says
   * whether the write landed (a failed write still limits the member until the next restart),
   * and `at` names the hit for `undo`.
   */
  async hit(
    userId: string,
    limits: WindowLimits,
  ): Promise<{ at: number; stored: true } | { at: number; stored: false; error: unknown }> {
    const now = this.#now();
    const windowMs = limits.windowSeconds * 1000;
    try {
      const hits = (await this.#hits(userId)).filter((hit) => hit + windowMs > now);
      hits.push(now);
      const kept = hits.slice(-Math.max(1, limits.jobsPerWindow));
      if (this.#cache.size >= maxCachedUsers && !this.#cache.has(userId)) this.#cache.clear();
      this.#cache.set(userId, kept);
      await this.#records.save(userId, kept, now + windowMs);
      return { at: now, stored: true };
    } catch (error) {
      return { at: now, stored: false, error };
    }
  }

  /** Takes back the hit made at `at` (its admission was not stored after all), in memory and in the store. */
  async undo(userId: string, at: number, limits: WindowLimits): Promise<void> {
    const hits = [...(this.#cache.get(userId) ?? (await this.#hits(userId)))];
    const index = hits.lastIndexOf(at);
    if (index < 0) return;
    hits.splice(index, 1);
    this.#cache.set(userId, hits);
    const last = hits.at(-1);
    if (last === undefined) await this.#records.forgetUser(userId);
    else await this.#records.save(userId, hits, last + limits.windowSeconds * 1000);
  }

  /** Forgets the member's hits here and in the store (`/forget-me`). */
  async forget(userId: string): Promise<boolean> {
    this.#cache.delete(userId);
    return this.#records.forgetUser(userId);
  }

  async #hits(userId: string): Promise<number[]> {
    const cached = this.#cache.get(userId);
    if (cached) return cached;
    const stored = await this.#records.hits(userId);
    const hits = [...stored].sort((a, b) => a - b);
    if (this.#cache.size >= maxCachedUsers) this.#cache.clear();
    this.#cache.set(userId, hits);
    return hits;
  }
}
