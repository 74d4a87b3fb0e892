import { finishedAtOf, isClosed, isFinished, type Job } from "../../queue/job.js";

/**
 * Which of the Redis indexes a job belongs in: the one place that maps job states to them,
 * following the queue's own predicates in `src/queue/job.ts`.
 *
 * - open: loaded at start-up (not closed: a succeeded job whose result is not posted yet is open);
 * - unfinished: counted against the member's limit (queued, staged or running, as the queue's
 *   admission counts it: an image waiting to be posted no longer holds a place);
 * - waiting: in line for a GPU (queued), counted against the queue's and the server's caps;
 * - closedAt: when retention may prune it (only closed jobs; an open job is never pruned).
 */
/**
 * The meaning of `jobIndexes`, stored beside the indexes (`jobs:indexes-version`). Bump it with
 * any change to what `jobIndexes` decides: the Redis store then files every stored job again at
 * its next start (`RedisJobStore.rebuildIndexes`), so jobs stored under the old rule land in the
 * right indexes. Version 2: succeeded jobs are open until delivered.
 */
export const jobIndexesVersion = "2";

export interface JobIndexes {
  open: boolean;
  unfinished: boolean;
  waiting: boolean;
  closedAt: number | undefined;
}

export function jobIndexes(job: Job): JobIndexes {
  const closed = isClosed(job);
  return {
    open: !closed,
    unfinished: !isFinished(job),
    waiting: job.state === "queued",
    closedAt: closed ? finishedAtOf(job) : undefined,
  };
}

export function jobArguments(job: Job): string[] {
  const { open, unfinished, waiting, closedAt } = jobIndexes(job);
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
    unfinished ? "1" : "0",
  ];
}
