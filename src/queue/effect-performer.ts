import type { Logger } from "pino";
import type { Dispatcher } from "./dispatcher.js";
import type { FairScheduler } from "./fair-scheduler.js";
import type { JobBook } from "./job-book.js";
import type { JobEffect } from "./job-lifecycle.js";
import type { Job } from "./job.js";
import type { OutputSpool } from "./output-spool.js";
import type { QueueEvent } from "./queue-events.js";
import type { RunFollower } from "./run-follower.js";

export interface EffectPerformerDeps {
  scheduler: Pick<FairScheduler, "remove" | "unshift">;
  counters: JobBook["counters"];
  follower: Pick<RunFollower, "follow">;
  dispatcher: Pick<Dispatcher, "cancel">;
  spool: Pick<OutputSpool, "discard">;
  /** A transition's announcement: its job is stored. */
  announce: (event: QueueEvent) => void;
  saveEstimates: () => void;
  logger: Logger;
}

/** Does what a stored transition asks (`JobEffect`), in the order `transition()` listed it. */
export class EffectPerformer {
  readonly #deps: EffectPerformerDeps;

  constructor(deps: EffectPerformerDeps) {
    this.#deps = deps;
  }

  perform(effect: JobEffect, job: Job): void {
    const { logger } = this.#deps;
    switch (effect.type) {
      case "submit":
        this.#deps.follower.follow(effect.job, "run");
        return;
      case "leave_line":
        this.#deps.scheduler.remove(job.id);
        return;
      case "rejoin_line":
        this.#deps.scheduler.unshift(job);
        return;
      case "stop_remote":
        this.#deps.dispatcher.cancel(effect.run).catch((error: unknown) => {
          // The job is already cancelled; at worst ComfyUI finishes a prompt nobody waits for.
          logger.warn({ err: error, jobId: job.id }, "could not cancel the prompt on its backend");
        });
        return;
      case "announce":
        this.#deps.announce(effect.event);
        return;
      case "release":
        if (effect.job.state === "succeeded") this.#deps.saveEstimates();
        return;
      case "count_requeue":
        this.#deps.counters.requeued++;
        return;
      case "discard_outputs":
        this.#deps.spool.discard(job.id).catch((error: unknown) => {
          // Only disk space: the job is closed, and a later start never reads these files.
          logger.warn({ err: error, jobId: job.id }, "could not delete a posted job's kept outputs");
        });
        return;
    }
  }
}
