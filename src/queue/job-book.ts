import { isFinished, type FinishedJob, type Job, type JobState } from "./job.js";

/** Finished jobs kept in memory for `get()`; older ones are read from the store. */
const recentLimit = 1000;

/**
 * The queue's in-memory ledger: the current value of every unfinished job (waiting or in
 * flight), how many each member has, the recently finished ones, and counters for `stats()`.
 * Only the queue writes it, after the job store has the same value.
 */
export class JobBook {
  readonly #active = new Map<string, Job>();
  readonly #perUser = new Map<string, number>();
  readonly #recent = new Map<string, FinishedJob>();
  readonly counters = { succeeded: 0, failed: 0, cancelled: 0, requeued: 0 };

  get activeCount(): number {
    return this.#active.size;
  }

  /** A new unfinished job (admitted, or reloaded at start-up). */
  add(job: Job): void {
    this.#active.set(job.id, job);
    this.#perUser.set(job.userId, this.unfinishedOf(job.userId) + 1);
  }

  /** The job's new value after a transition; a finished job leaves the active set. */
  update(job: Job): void {
    if (!isFinished(job)) {
      if (this.#active.has(job.id)) this.#active.set(job.id, job);
      return;
    }
    if (this.#recent.has(job.id)) this.#recent.set(job.id, job);
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

  /** The member's unfinished jobs, oldest first. */
  jobsOf(userId: string): Job[] {
    const jobs: Job[] = [];
    for (const job of this.#active.values()) if (job.userId === userId) jobs.push(job);
    return jobs.sort((a, b) => a.seq - b.seq);
  }

  /** Drops the member's finished jobs from memory (`/forget-me`). */
  forgetFinished(userId: string): void {
    for (const [id, job] of this.#recent) if (job.userId === userId) this.#recent.delete(id);
  }

  countIn(state: JobState): number {
    let count = 0;
    for (const job of this.#active.values()) if (job.state === state) count++;
    return count;
  }
}
