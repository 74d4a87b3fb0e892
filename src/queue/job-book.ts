import { snapshotJob, type Job, type JobState } from "./job.js";

/** Finished jobs kept in memory for `get()`; older ones are read from the store. */
const recentLimit = 1000;

/**
 * The queue's in-memory ledger: every unfinished job (waiting or in flight), how many each user
 * has, the recently finished ones and counters for `stats()`.
 */
export class JobBook {
  readonly #active = new Map<string, Job>();
  readonly #perUser = new Map<string, number>();
  readonly #recent = new Map<string, Job>();
  readonly counters = { succeeded: 0, failed: 0, cancelled: 0, requeued: 0 };

  get activeCount(): number {
    return this.#active.size;
  }

  add(job: Job): void {
    this.#active.set(job.id, job);
    this.#perUser.set(job.userId, this.unfinishedOf(job.userId) + 1);
  }

  /** Call once the job's state is final. */
  finished(job: Job & { state: "succeeded" | "failed" | "cancelled" }): void {
    if (!this.#active.delete(job.id)) return;
    const left = this.unfinishedOf(job.userId) - 1;
    if (left > 0) this.#perUser.set(job.userId, left);
    else this.#perUser.delete(job.userId);
    this.#recent.set(job.id, job);
    if (this.#recent.size > recentLimit) this.#recent.delete(this.#recent.keys().next().value ?? "");
    this.counters[job.state]++;
  }

  /** Every unfinished job, in admission order. */
  allActive(): Job[] {
    return [...this.#active.values()].sort((a, b) => a.seq - b.seq);
  }

  active(jobId: string): Job | undefined {
    return this.#active.get(jobId);
  }

  /** Unfinished, or finished recently enough to still be in memory. */
  known(jobId: string): Job | undefined {
    return this.#active.get(jobId) ?? this.#recent.get(jobId);
  }

  unfinishedOf(userId: string): number {
    return this.#perUser.get(userId) ?? 0;
  }

  /** Snapshots of the user's unfinished jobs, oldest first. */
  jobsOf(userId: string): Job[] {
    const jobs: Job[] = [];
    for (const job of this.#active.values()) if (job.userId === userId) jobs.push(snapshotJob(job));
    return jobs.sort((a, b) => a.seq - b.seq);
  }

  countIn(state: JobState): number {
    let count = 0;
    for (const job of this.#active.values()) if (job.state === state) count++;
    return count;
  }
}
