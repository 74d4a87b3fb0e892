import type { Logger } from "pino";
import type { Dispatcher } from "./dispatcher.js";
import { DispatchLoop } from "./dispatch-loop.js";
import type { OnStoreFailure } from "./engine-options.js";
import type { FairScheduler } from "./fair-scheduler.js";
import type { JobBook } from "./job-book.js";
import type { JobEvent } from "./job-lifecycle.js";
import type { Job } from "./job.js";

export interface LineDispatchDeps {
  /** False before start-up and while shutting down. */
  isOpen: () => boolean;
  dispatcher: Dispatcher;
  scheduler: FairScheduler;
  book: Pick<JobBook, "active">;
  apply: (jobId: string, event: JobEvent, onStoreFailure: OnStoreFailure) => Promise<Job | undefined>;
  /** The line changed (positions, idle waiters). */
  changed: () => void;
  newId: () => string;
  now: () => number;
  logger: Logger;
  retryMs?: number | undefined;
}

/**
 * The dispatch loop over the fair line: each chosen head is taken out of the line (its member's
 * service starts counting), staged under a new prompt id (stored first, then submitted), and put
 * back at its member's head if that could not be stored. A head no backend can ever run fails.
 */
export function lineDispatchLoop(deps: LineDispatchDeps): DispatchLoop {
  const { scheduler, book, logger } = deps;

  const dispatch = async (jobId: string, backendId: string): Promise<boolean> => {
    scheduler.take(jobId);
    deps.changed();
    const event: JobEvent = {
      type: "dispatch",
      backend: backendId,
      promptId: deps.newId().toLowerCase(),
      at: deps.now(),
    };
    try {
      const staged = await deps.apply(jobId, event, "abort");
      // Cancelled or forgotten meanwhile: it never reached a backend, so it holds no service.
      if (staged?.state !== "staged") scheduler.released(jobId);
      return true;
    } catch (error) {
      logger.error({ err: error, jobId }, "could not store a staged job; it waits again");
      const job = book.active(jobId);
      if (job?.state === "queued") scheduler.unshift(job);
      else scheduler.released(jobId);
      return false;
    }
  };

  const reject = (jobId: string, message: string): void => {
    scheduler.remove(jobId);
    deps
      .apply(jobId, { type: "fail", error: { code: "no_backend", message }, at: deps.now() }, "proceed")
      .catch((error: unknown) =>
        logger.error({ err: error, jobId }, "could not fail a job no backend can run"),
      );
  };

  return new DispatchLoop({
    canDispatch: deps.isOpen,
    hasFreeSlot: () => deps.dispatcher.hasFreeSlot(),
    heads: () => scheduler.heads(),
    choose: (jobId) => {
      const job = book.active(jobId);
      return job ? deps.dispatcher.pickBackend(job) : { kind: "busy" };
    },
    dispatch,
    reject,
    logger,
    ...(deps.retryMs === undefined ? {} : { retryMs: deps.retryMs }),
  });
}
