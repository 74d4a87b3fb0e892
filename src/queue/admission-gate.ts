import type { Logger } from "pino";
import type { AdmissionDecision, AdmissionRequest, PolicyVerdict } from "./admission.js";
import { KeyLock } from "../concurrency/key-lock.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface AdmissionGateDeps {
  rate: RateLimiter;
  logger: Logger;
  maxSize: number;
  maxPerGuild: number;
  isOpen: () => boolean;
  /** Jobs waiting in line now. */
  waiting: () => number;
  /** Jobs of one server waiting in line now. */
  waitingIn: (guildId: string) => number;
  /** The user's jobs waiting or in flight. */
  unfinishedOf: (userId: string) => number;
  precheck?: ((request: AdmissionRequest) => PolicyVerdict | Promise<PolicyVerdict>) | undefined;
}

/**
 * Decides whether a request may join the line: policy, the user's cap, the global cap, the rate
 * limit. One user's requests pass one at a time (a per-user lock), so double clicks cannot both
 * slip under a limit; different users run side by side, and the global cap holds because places
 * are reserved synchronously before anything is awaited.
 */
export class AdmissionGate {
  readonly #deps: AdmissionGateDeps;
  readonly #locks = new KeyLock();
  #reserved = 0;
  /** Places reserved per server by admissions still storing their job. */
  readonly #reservedIn = new Map<string, number>();

  constructor(deps: AdmissionGateDeps) {
    this.#deps = deps;
  }

  /**
   * `store` stores the job; it runs only when every check passed, alongside the counter write.
   * The job is accepted only once it is stored: if `store` rejects, the answer is `store_failed`,
   * the counter is given back and nothing is enqueued. `enqueue` then makes the job visible.
   */
  /** Runs `work` while no admission of this member is in progress, and none starts. */
  async exclusive<T>(userId: string, work: () => Promise<T>): Promise<T> {
    return this.#locks.run(userId, work);
  }

  async admit<T>(
    request: AdmissionRequest,
    store: () => Promise<T>,
    enqueue: (stored: T) => AdmissionDecision,
  ): Promise<AdmissionDecision> {
    if (!this.#deps.isOpen()) return { kind: "closed" };
    const verdict =
      request.verdict ?? (this.#deps.precheck ? await this.#deps.precheck(request) : { allowed: true });
    if (!verdict.allowed) return { kind: "refused", reason: verdict.reason, code: verdict.code };
    return this.#locks.run(request.userId, async () => {
      // On success the check has reserved a place (synchronously, before its promise settles).
      const refusal = await this.#check(request);
      if (refusal) return refusal;
      let stored: PromiseSettledResult<T>;
      let hit: Awaited<ReturnType<RateLimiter["hit"]>>;
      try {
        [[stored], hit] = await Promise.all([
          Promise.allSettled([store()]),
          this.#deps.rate.hit(request.userId, request.limits),
        ]);
      } finally {
        this.#release(request.guildId);
      }
      const { logger } = this.#deps;
      if (stored.status === "rejected") {
        logger.error(
          { err: stored.reason, userId: request.userId },
          "could not store an admitted job; refused",
        );
        await this.#giveBack(request, hit.at);
        return { kind: "store_failed" };
      }
      if (!hit.stored) {
        // The job is stored, so it stands; the hit still counts in memory until the next restart.
        logger.warn({ err: hit.error, userId: request.userId }, "could not store a rate-limit hit");
      }
      return enqueue(stored.value);
    });
  }

  async #check(request: AdmissionRequest): Promise<AdmissionDecision | undefined> {
    const { userId, limits } = request;
    const queued = this.#deps.unfinishedOf(userId);
    if (queued >= limits.maxQueuedPerUser) {
      return { kind: "too_many_queued", limit: limits.maxQueuedPerUser, queued };
    }
    const full = this.#full(request.guildId);
    if (full) return full;
    const rate = await this.#deps.rate.check(userId, limits);
    if (!rate.ok) {
      return {
        kind: "rate_limited",
        retryAfterMs: rate.retryAfterMs,
        limit: limits.jobsPerWindow,
        windowSeconds: limits.windowSeconds,
      };
    }
    // Again after the await, and synchronously with the caller's reservation: others admit meanwhile.
    if (!this.#deps.isOpen()) return { kind: "closed" };
    const stillFull = this.#full(request.guildId);
    if (stillFull) return stillFull;
    this.#reserved++;
    this.#reservedIn.set(request.guildId, (this.#reservedIn.get(request.guildId) ?? 0) + 1);
    return undefined;
  }

  #full(guildId: string): AdmissionDecision | undefined {
    if (this.#deps.waiting() + this.#reserved >= this.#deps.maxSize) {
      return { kind: "queue_full", maxSize: this.#deps.maxSize };
    }
    if (this.#deps.waitingIn(guildId) + (this.#reservedIn.get(guildId) ?? 0) >= this.#deps.maxPerGuild) {
      return { kind: "guild_queue_full", maxPerGuild: this.#deps.maxPerGuild };
    }
    return undefined;
  }

  async #giveBack(request: AdmissionRequest, at: number): Promise<void> {
    try {
      await this.#deps.rate.undo(request.userId, at, request.limits);
    } catch (error) {
      // The store is failing anyway; the member is limited a little early until the record expires.
      this.#deps.logger.warn({ err: error, userId: request.userId }, "could not give a rate-limit hit back");
    }
  }

  #release(guildId: string): void {
    this.#reserved--;
    const left = (this.#reservedIn.get(guildId) ?? 0) - 1;
    if (left > 0) this.#reservedIn.set(guildId, left);
    else this.#reservedIn.delete(guildId);
  }
}
