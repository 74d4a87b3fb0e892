import { isFinished, type ClosedJob, type Job, type JobState, type SucceededJob } from "./job.js";

/** Closed jobs kept in memory for `get()`; older ones are read from the store. */
const recentLimit = 1000;

/**
 * The queue's in-memory ledger: the current value of every unfinished job (waiting or in
 * flight), how many each member has, the succeeded ones still to be posted, the recently closed
 * ones, and counters for `stats()`. Only the queue writes it, after the job store has the same value.
 */
export class JobBook {
  readonly #active = new Map<string, Job>();
  readonly #perUser = new Map<string, number>();
  readonly #undelivered = new Map<string, SucceededJob>();
  readonly #recent = new Map<string, ClosedJob>();
  readonly counters = { succeeded: 0, failed: 0, cancelled: 0, requeued: 0, undelivered: 0 };

  get activeCount(): number {
    return this.#active.size;
  }

  /** A job loaded at start-up or newly admitted: unfinished, or succeeded and still to be posted. */
  add(job: Job): void {
    if (job.state === "succeeded") {
      this.#undelivered.set(job.id, job);
      return;
    }
    this.#active.set(job.id, job);
    this.#perUser.set(job.userId, this.unfinishedOf(job.userId) + 1);
  }

  /** The job's new value after a transition. */
  update(job: Job): void {
    if (!isFinished(job)) {
      if (this.#active.has(job.id)) this.#active.set(job.id, job);
      return;
    }
    if (this.#active.delete(job.id)) {
      const left = this.unfinishedOf(job.userId) - 1;
      if (left > 0) this.#perUser.set(job.userId, left);
      else this.#perUser.delete(job.userId);
      if (job.state !== "delivered") this.counters[job.state]++;
    }
    if (job.state === "succeeded") {
      this.#undelivered.set(job.id, job);
      return;
    }
    if (this.#undelivered.delete(job.id) && job.state === "failed") this.counters.undelivered++;
    this.#recent.delete(job.id);
    this.#recent.set(job.id, job);
    if (this.#recent.size > recentLimit) this.#recent.delete(this.#recent.keys().next().value ?? "");
  }

  /** Every unfinished job, in admission order. */
  allActive(): Job[] {
    return [...this.#active.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Succeeded jobs whose result is not posted yet, in admission order. */
  allUndelivered(): SucceededJob[] {
    return [...this.#undelivered.values()].sort((a, b) => a.seq - b.seq);
  }

  active(jobId: string): Job | undefined {
    return this.#active.get(jobId);
  }

  /** Unfinished, still to be posted, or closed recently enough to still be in memory. */
  known(jobId: string): Job | undefined {
    return this.#active.get(jobId) ?? this.#undelivered.get(jobId) ?? this.#recent.get(jobId);
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

  /** The member's succeeded jobs still to be posted (`/forget-me` drops their files). */
  undeliveredOf(userId: string): SucceededJob[] {
    return [...this.#undelivered.values()].filter((job) => job.userId === userId);
  }

  /** Drops the member's finished jobs from memory (`/forget-me`). */
  /** Every job of the member this book holds: unfinished, not yet posted, recently finished. */
  idsOf(userId: string): string[] {
    const ids: string[] = [];
    for (const map of [this.#active, this.#undelivered, this.#recent])
      for (const [id, job] of map) if (job.userId === userId) ids.push(id);
    return ids;
  }

  /** The job is gone from the store (forgotten elsewhere): it leaves memory without counting as finished. */
  drop(jobId: string): void {
    const active = this.#active.get(jobId);
    if (active && this.#active.delete(jobId)) {
      const left = this.unfinishedOf(active.userId) - 1;
      if (left > 0) this.#perUser.set(active.userId, left);
      else this.#perUser.delete(active.userId);
    }
    this.#undelivered.delete(jobId);
    this.#recent.delete(jobId);
  }

  forgetFinished(userId: string): void {
    for (const [id, job] of this.#recent) if (job.userId === userId) this.#recent.delete(id);
    for (const [id, job] of this.#undelivered) if (job.userId === userId) this.#undelivered.delete(id);
  }

  countIn(state: JobState): number {
    let count = 0;
    for (const job of this.#active.values()) if (job.state === state) count++;
    return count;
  }
}
