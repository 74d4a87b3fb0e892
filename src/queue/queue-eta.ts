import type { Logger } from "pino";
import type { EtaModel } from "./eta-model.js";
import type { EtaStore } from "./eta-store.js";
import type { Job, QueuedJob } from "./job.js";

export interface QueueEtaDeps {
  model: EtaModel;
  /** The waiting jobs in dispatch order. */
  line: () => Iterable<QueuedJob>;
  store: EtaStore;
  logger: Logger;
  /** Online backends: the work ahead is shared between them. */
  backends: () => number;
  /** Expected time left of the jobs in flight, summed. */
  inFlightMs: () => number;
}

/**
 * Waiting-time estimates for the line, and the learned model's persistence. Roughly: the work
 * ahead (what is left of running jobs plus the expected time of the jobs before this one) divided
 * by the backends, plus the job's own expected time.
 */
export class QueueEta {
  readonly #deps: QueueEtaDeps;
  #saving: Promise<void> | undefined;
  #dirty = false;

  constructor(deps: QueueEtaDeps) {
    this.#deps = deps;
  }

  /** For one job, without walking the line: the jobs ahead are assumed to take as long as this one. */
  queued(job: Job, position: number): number {
    const own = this.#deps.model.expectedMs(job);
    return Math.round((this.#deps.inFlightMs() + position * own) / Math.max(1, this.#deps.backends()) + own);
  }

  /** Every waiting job in dispatch order with its ETA, summing the real expectations ahead. */
  *ordered(): Generator<{ job: QueuedJob; etaMs: number }> {
    const backends = Math.max(1, this.#deps.backends());
    let ahead = this.#deps.inFlightMs();
    for (const job of this.#deps.line()) {
      const own = this.#deps.model.expectedMs(job);
      yield { job, etaMs: Math.round(ahead / backends + own) };
      ahead += own;
    }
  }

  async load(): Promise<void> {
    const snapshot = await this.#deps.store.load();
    if (snapshot) this.#deps.model.restore(snapshot);
  }

  /** Coalesced: at most one write in flight and one more behind it. */
  async save(): Promise<void> {
    if (this.#saving) {
      this.#dirty = true;
      return this.#saving;
    }
    this.#saving = (async () => {
      do {
        this.#dirty = false;
        await this.#deps.store.save(this.#deps.model.snapshot());
      } while (this.#dirty);
    })()
      // Only estimates are lost: the model keeps learning in memory and the next save retries.
      .catch((error: unknown) => this.#deps.logger.warn({ err: error }, "could not store the ETA model"))
      .finally(() => (this.#saving = undefined));
    return this.#saving;
  }
}
