import type { Logger } from "pino";
import type { EtaModel } from "./eta-model.js";
import type { JobBook } from "./job-book.js";
import type { OnStoreFailure } from "./job-engine.js";
import type { JobEvent } from "./job-lifecycle.js";
import { isInFlight, type Job } from "./job.js";
import type { OutputSpool } from "./output-spool.js";
import type { QueueEvent } from "./queue-events.js";
import type { FollowedEvent, RunOutcome } from "./run-follower.js";

export interface RunReportsDeps {
  book: Pick<JobBook, "active">;
  eta: Pick<EtaModel, "learn">;
  spool: Pick<OutputSpool, "keep">;
  apply: (jobId: string, event: JobEvent, onStoreFailure: OnStoreFailure) => Promise<Job | undefined>;
  /** Runs a task behind the job's pending transitions. */
  inOrder: (jobId: string, task: () => Promise<void>) => Promise<void>;
  announce: (event: QueueEvent) => void;
  logger: Logger;
  now: () => number;
  maxRequeues: number;
}

/**
 * What a followed run reports, turned into the job's transitions: a start, then progress for
 * subscribers, then one outcome (succeeded with its files kept until posted, lost and requeued,
 * or failed). Facts reported by a backend are stored with "proceed": they happened whatever the
 * store says.
 */
export class RunReports {
  readonly #deps: RunReportsDeps;

  constructor(deps: RunReportsDeps) {
    this.#deps = deps;
  }

  onEvent(jobId: string, event: FollowedEvent): void {
    const { apply, inOrder, announce, book, logger, now } = this.#deps;
    const logFailure = (error: unknown): void =>
      logger.error({ err: error, jobId, event: event.type }, "handling a run event failed");
    if (event.type === "started") {
      apply(jobId, { type: "start", at: now() }, "proceed").catch(logFailure);
      return;
    }
    // Behind the job's pending transitions, so `started` is always announced first.
    inOrder(jobId, async () => {
      const job = book.active(jobId);
      if (job && isInFlight(job)) announce({ ...event, job });
      return Promise.resolve();
    }).catch(logFailure);
  }

  async onOutcome(jobId: string, outcome: RunOutcome): Promise<void> {
    const { apply, book, eta, spool, logger } = this.#deps;
    const at = this.#deps.now();
    if (outcome.kind === "succeeded") {
      const { outputs } = outcome;
      const job = book.active(jobId);
      // Cancelled, or finished by another process meanwhile: nothing to keep, nothing to learn.
      if (!job || !isInFlight(job)) return;
      if (outcome.durationMs !== undefined) {
        eta.learn(job, job.run.backend, { durationMs: outcome.durationMs, msPerStep: outcome.msPerStep }, at);
      }
      try {
        await spool.keep(jobId, outputs.files);
      } catch (error) {
        // The files still go out in the `succeeded` event; only a restart before they are posted
        // would lose them (the log says which job).
        logger.error({ err: error, jobId }, "could not keep a job's outputs until they are posted");
      }
      await apply(jobId, { type: "succeed", files: outputs.files, at }, "proceed");
      return;
    }
    const event: JobEvent = outcome.retryable
      ? { type: "lose", error: outcome.error, at, maxRequeues: this.#deps.maxRequeues }
      : { type: "fail", error: outcome.error, at };
    await apply(jobId, event, "proceed");
  }
}
