import { isClosed, type Job, type SucceededJob } from "../queue/job.js";
import type { VersionedJob } from "../storage/redis/redis-job-events.js";

/** Closed jobs kept for `known()` (a job just finished, read by a command); older ones are read from Redis. */
const recentLimit = 1000;

/**
 * One process's copy of the open jobs on Redis, kept up to date from the job event stream: what
 * `/queue`, the message updater and the queue's counts read without asking Redis. Each job's
 * revision says whether an entry is newer than what the copy holds, so an entry met twice (this
 * process's own change, then its stream entry) changes nothing the second time.
 */
export class JobMirror {
  readonly #open = new Map<string, VersionedJob>();
  readonly #recent = new Map<string, VersionedJob>();

  /** Replaces everything with a snapshot of the open jobs. */
  load(jobs: readonly VersionedJob[]): void {
    this.#open.clear();
    for (const entry of jobs) this.#open.set(entry.job.id, entry);
  }

  /** Takes a stored change in; false when it is not newer than what the copy holds. */
  apply(job: Job, rev: number): boolean {
    const held = this.#open.get(job.id) ?? this.#recent.get(job.id);
    if (held && held.rev >= rev) return false;
    if (isClosed(job)) {
      this.#open.delete(job.id);
      this.#recent.delete(job.id);
      this.#recent.set(job.id, { job, rev });
      if (this.#recent.size > recentLimit) this.#recent.delete(this.#recent.keys().next().value ?? "");
    } else {
      this.#open.set(job.id, { job, rev });
    }
    return true;
  }

  /** Jobs deleted from the store (`/forget-me`). */
  drop(jobIds: readonly string[]): void {
    for (const id of jobIds) {
      this.#open.delete(id);
      this.#recent.delete(id);
    }
  }

  known(jobId: string): Job | undefined {
    return (this.#open.get(jobId) ?? this.#recent.get(jobId))?.job;
  }

  /** Queued, staged or running jobs passing `filter`, in admission order. */
  unfinished(filter: (job: Job) => boolean = () => true): Job[] {
    return this.#sorted((job) => job.state !== "succeeded" && filter(job));
  }

  /** Succeeded jobs not posted yet passing `filter`, in admission order. */
  undelivered(filter: (job: Job) => boolean = () => true): SucceededJob[] {
    return this.#sorted((job) => job.state === "succeeded" && filter(job)) as SucceededJob[];
  }

  /** The member's unfinished jobs, oldest first. */
  jobsOf(userId: string): Job[] {
    return this.unfinished((job) => job.userId === userId);
  }

  /** Ids of the member's jobs this copy holds, open or recently closed. */
  idsOf(userId: string): string[] {
    const ids: string[] = [];
    for (const map of [this.#open, this.#recent])
      for (const [id, { job }] of map) if (job.userId === userId) ids.push(id);
    return ids;
  }

  counts(): { queued: number; staged: number; running: number; waitingUsers: number } {
    const counts = { queued: 0, staged: 0, running: 0 };
    const waiting = new Set<string>();
    for (const { job } of this.#open.values()) {
      if (job.state === "queued") {
        counts.queued++;
        waiting.add(`${job.guildId}:${job.userId}`);
      } else if (job.state === "staged") counts.staged++;
      else if (job.state === "running") counts.running++;
    }
    return { ...counts, waitingUsers: waiting.size };
  }

  #sorted(keep: (job: Job) => boolean): Job[] {
    const jobs: Job[] = [];
    for (const { job } of this.#open.values()) if (keep(job)) jobs.push(job);
    return jobs.sort((a, b) => a.seq - b.seq);
  }
}
