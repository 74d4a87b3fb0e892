import type { Logger } from "pino";
import type { RedisLease } from "../storage/redis/redis-lease.js";

/** The lease every process sharing Redis contends for; its holder conducts. */
export const conductorLeaseName = "conductor";

/**
 * The conductor lease's timing. A dead conductor is replaced at most `ttlMs` after its last
 * renewal plus one `retryMs`: 3 s + 0.5 s, within the 5 s failover target with room for the
 * successor's start (a snapshot of the open jobs and one HTTP check per prompt in flight).
 * Renewing every second leaves two renewals' slack before the TTL runs out, so a busy event loop
 * or a slow Redis reply does not cost the lease. The holder stops conducting `safetyMs` before
 * the TTL it last secured runs out, counted from when it *sent* that renewal: Redis started the
 * TTL later than that, so the holder always stops before anyone else can take over (fencing
 * catches whatever clock trouble remains).
 */
export interface LeaseTiming {
  ttlMs: number;
  renewEveryMs: number;
  retryMs: number;
  safetyMs: number;
}

export const defaultLeaseTiming: LeaseTiming = {
  ttlMs: 3000,
  renewEveryMs: 1000,
  retryMs: 500,
  safetyMs: 500,
};

export interface ConductorLeaseOptions {
  lease: RedisLease;
  /** This process's id in the lease (host, pid and a random part: one word). */
  holder: string;
  timing?: LeaseTiming;
  logger: Logger;
  /** The lease is ours with this fence: start conducting. Not awaited: renewals go on meanwhile. */
  onGained: (fence: number) => void;
  /** The lease is no longer ours (refused or ran out): stop conducting at once, write nothing. */
  onLost: (reason: string) => void;
  now?: () => number;
}

/**
 * Contends for the conductor lease, renews it while held and says when it is gained or lost.
 * `release()` hands it over at once (graceful shutdown), `wake()` tries at once (another
 * process just released it).
 */
export class ConductorLease {
  readonly #o: ConductorLeaseOptions;
  readonly #timing: LeaseTiming;
  readonly #now: () => number;
  #held: { fence: number; validUntil: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #busy = false;
  #stopped = true;

  constructor(options: ConductorLeaseOptions) {
    this.#o = options;
    this.#timing = options.timing ?? defaultLeaseTiming;
    this.#now = options.now ?? Date.now;
  }

  get fence(): number | undefined {
    return this.#held?.fence;
  }

  get holder(): string {
    return this.#o.holder;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.wake();
  }

  /** Tries to take (or renew) the lease now. */
  wake(): void {
    clearTimeout(this.#timer);
    void this.#tick();
  }

  /** Stops contending; gives the lease up if held. Resolves once it is released. */
  async release(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#watchdog);
    const held = this.#held;
    this.#held = undefined;
    if (!held) return;
    try {
      await this.#o.lease.release(this.#o.holder, held.fence);
    } catch (error) {
      // It runs out by itself within the TTL.
      this.#o.logger.warn({ err: error }, "could not release the conductor lease; it expires by itself");
    }
  }

  /** Gives the lease up and contends again: a new term starts from stored state (even if it is ours again). */
  async stepDown(): Promise<void> {
    await this.release();
    this.start();
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#busy) return;
    this.#busy = true;
    try {
      if (this.#held) await this.#renew(this.#held);
      else await this.#acquire();
    } finally {
      this.#busy = false;
      if (!this.#stopped) {
        const delay = this.#held ? this.#timing.renewEveryMs : this.#timing.retryMs;
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => void this.#tick(), delay);
        this.#timer.unref();
      }
    }
  }

  async #acquire(): Promise<void> {
    const { ttlMs } = this.#timing;
    const sentAt = this.#now();
    let grant;
    try {
      grant = await this.#o.lease.acquire(this.#o.holder, ttlMs);
    } catch (error) {
      this.#o.logger.debug({ err: error }, "could not ask for the conductor lease");
      return;
    }
    if (!grant.acquired || this.#stopped) return;
    this.#secure(grant.fence, sentAt);
    this.#o.logger.info({ fence: grant.fence, holder: this.#o.holder }, "took the conductor lease");
    this.#o.onGained(grant.fence);
  }

  async #renew(held: { fence: number }): Promise<void> {
    const sentAt = this.#now();
    let renewed: boolean;
    try {
      renewed = await this.#o.lease.renew(this.#o.holder, held.fence, this.#timing.ttlMs);
    } catch (error) {
      // The watchdog ends the term if no renewal lands in time.
      this.#o.logger.warn({ err: error }, "could not renew the conductor lease");
      return;
    }
    if (this.#held !== held) return;
    if (renewed) this.#secure(held.fence, sentAt);
    else this.#lose("the lease was taken over or expired before it could be renewed");
  }

  #secure(fence: number, sentAt: number): void {
    const validUntil = sentAt + this.#timing.ttlMs - this.#timing.safetyMs;
    this.#held = { fence, validUntil };
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => {
      if (this.#held?.validUntil === validUntil) this.#lose("no renewal reached Redis in time");
    }, validUntil - this.#now());
    this.#watchdog.unref();
  }

  #lose(reason: string): void {
    clearTimeout(this.#watchdog);
    this.#held = undefined;
    this.#o.logger.warn({ reason }, "lost the conductor lease: conducting stops");
    this.#o.onLost(reason);
    if (!this.#stopped) this.wake();
  }
}
