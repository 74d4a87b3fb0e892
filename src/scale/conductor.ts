import type { Logger } from "pino";
import type { RedisLease } from "../storage/redis/redis-lease.js";
import { ConductorLease, type LeaseTiming } from "./conductor-lease.js";
import { ConductorTerm, type TermDeps } from "./conductor-term.js";
import type { ScaleEntry } from "./stream-entry.js";

export interface ConductorOptions extends Omit<TermDeps, "onStepDown"> {
  lease: RedisLease;
  /** This process in the lease: one word. */
  holder: string;
  timing?: LeaseTiming | undefined;
  logger: Logger;
  /** Told when this process starts or stops conducting (metrics). */
  onRole?: ((conducting: boolean) => void) | undefined;
}

/**
 * Whether this process conducts, and its term while it does: the lease is contended for all the
 * time; winning it starts a term (the fair scheduler, dispatch, the prompts in flight), losing it
 * stops the term at once. Term changes run one after another, so a term is always stopped (its
 * writes drained) before the next one starts or the lease is handed over.
 */
export class Conductor {
  readonly #o: ConductorOptions;
  readonly #lease: ConductorLease;
  #term: ConductorTerm | undefined;
  #changes: Promise<void> = Promise.resolve();
  #conducting = false;

  constructor(options: ConductorOptions) {
    this.#o = options;
    this.#lease = new ConductorLease({
      lease: options.lease,
      holder: options.holder,
      ...(options.timing ? { timing: options.timing } : {}),
      logger: options.logger,
      now: options.now,
      onGained: (fence) => this.#change(async () => this.#startTerm(fence)),
      onLost: () => this.#change(async () => this.#stopTerm()),
    });
  }

  get holder(): string {
    return this.#o.holder;
  }

  /** This process runs the scheduler and the ComfyUI prompts now. */
  get conducting(): boolean {
    return this.#conducting;
  }

  /** The fence of the lease while conducting. */
  get fence(): number | undefined {
    return this.#conducting ? this.#lease.fence : undefined;
  }

  start(): void {
    this.#lease.start();
  }

  /** A stream entry, in order. A release elsewhere means: try for the lease now. */
  async receive(entry: ScaleEntry): Promise<void> {
    if (entry.kind === "released") {
      if (!this.#term) this.#lease.wake();
      return;
    }
    await this.#term?.receive(entry);
  }

  /** Entries were missed: the term starts over from a fresh snapshot, under the same lease. */
  resync(): void {
    const term = this.#term;
    if (!term) return;
    this.#change(async () => {
      await this.#stopTerm();
      await this.#startTerm(term.fence);
    });
  }

  /** Graceful shutdown: stops the term (prompts stay in ComfyUI), then gives the lease up at once. */
  async close(): Promise<boolean> {
    let held = false;
    this.#change(async () => {
      held = this.#term !== undefined;
      await this.#stopTerm();
      await this.#lease.release();
    });
    await this.#changes;
    return held;
  }

  #change(task: () => Promise<void>): void {
    this.#changes = this.#changes.then(task).catch((error: unknown) => {
      this.#o.logger.error({ err: error }, "changing the conductor's term failed");
    });
  }

  async #startTerm(fence: number): Promise<void> {
    const { logger } = this.#o;
    const since = this.#o.now();
    const term = new ConductorTerm(
      { ...this.#o, onStepDown: (reason) => this.#stepDown(term, reason) },
      fence,
      since,
    );
    this.#term = term;
    try {
      const counts = await term.start();
      this.#conducting = true;
      this.#o.onRole?.(true);
      logger.info(
        { fence, ...counts, startMs: this.#o.now() - since },
        "conducting: the scheduler and the ComfyUI prompts run here",
      );
    } catch (error) {
      logger.error({ err: error, fence }, "could not start conducting; handing the lease on");
      this.#stepDown(term, "the term could not start");
    }
  }

  async #stopTerm(): Promise<void> {
    const term = this.#term;
    this.#term = undefined;
    if (!term) return;
    if (this.#conducting) {
      this.#conducting = false;
      this.#o.onRole?.(false);
    }
    await term.stop();
    this.#o.logger.info({ fence: term.fence }, "stopped conducting");
  }

  /** The store refused a write of this term: stop it, then give the lease up and contend again. */
  #stepDown(term: ConductorTerm, reason: string): void {
    this.#change(async () => {
      if (this.#term !== term) return;
      this.#o.logger.warn({ fence: term.fence, reason }, "stepping down as conductor");
      await this.#stopTerm();
      await this.#lease.stepDown();
    });
  }
}
