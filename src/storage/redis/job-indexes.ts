import { finishedAtOf, isFinished, isInFlight, type Job } from "../../queue/job.js";

/**
 * Which of the Redis indexes a job belongs in: the one place that maps job states to them, so
 * a change to what counts as open (the queue's `isFinished`, to become `isClosed` when a
 * delivered state follows succeeded) is made in `src/queue/job.ts` and followed here.
 *
 * - open: loaded at start-up and counted against the member's limit (not finished);
 * - waiting: in line for a GPU (open and not handed to a backend), counted against the caps (when
 *   a succeeded-but-undelivered job becomes open, this needs the queue's own "waiting" predicate);
 * - closedAt: when retention may prune it (only closed jobs; an open job is never pruned).
 */
/**
 * The meaning of `jobIndexes`, stored beside the indexes (`jobs:indexes-version`). Bump it with
 * any change to what `jobIndexes` decides: the Redis store then files every stored job again at
 * its next start (`RedisJobStore.rebuildIndexes`), so jobs stored under the old rule (say a
 * succeeded job not yet delivered, once that counts as open) land in the right indexes.
 */
export const jobIndexesVersion = "1";

export interface JobIndexes {
  open: boolean;
  waiting: boolean;
  closedAt: number | undefined;
}

export function jobIndexes(job: Job): JobIndexes {
  const open = !isFinished(job);
  return { open, waiting: open && !isInFlight(job), closedAt: open ? undefined : finishedAtOf(job) };
}

/** A valid job as the scripts' job fields (see `job_from_argv` in `job-scripts.ts`). */
export function jobArguments(job: Job): string[] {
  const { open, waiting, closedAt } = jobIndexes(job);
  return [
    job.id,
    JSON.stringify(job),
    String(job.seq),
    job.userId,
    job.guildId,
    job.state,
    open ? "1" : "0",
    waiting ? "1" : "0",
    closedAt === undefined ? "" : String(closedAt),
  ];
}
