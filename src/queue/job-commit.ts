import type { Job } from "./job.js";
import type { JobEffect, JobEvent } from "./job-lifecycle.js";
import type { JobStore } from "./job-store.js";

/** One transition of one job, as `transition()` made it, to be stored before its effects run. */
export interface JobChange {
  previous: Job;
  next: Job;
  event: JobEvent;
  effects: readonly JobEffect[];
}

export type CommitOutcome =
  /** `next` is stored: the queue performs the effects. */
  | { kind: "stored" }
  /**
   * Someone else changed the job since `previous` was read (another bot process sharing the
   * store), or deleted it (`current` undefined): nothing was written, and the queue applies the
   * event again to what is stored now.
   */
  | { kind: "changed"; current: Job | undefined };

/**
 * How the queue stores a transition. One process on its own store always stores what it decided
 * (`StoreCommitter`); processes sharing a store compare and set, and the conductor's writes also
 * carry the fence of its lease (`src/scale`). A rejection means nothing was stored.
 */
export interface JobCommitter {
  commit(change: JobChange): Promise<CommitOutcome>;
}

/** The committer of one process that owns its store: the job store's `save`, never `changed`. */
export class StoreCommitter implements JobCommitter {
  readonly #jobs: Pick<JobStore, "save">;

  constructor(jobs: Pick<JobStore, "save">) {
    this.#jobs = jobs;
  }

  async commit(change: JobChange): Promise<CommitOutcome> {
    await this.#jobs.save(change.next);
    return { kind: "stored" };
  }
}
