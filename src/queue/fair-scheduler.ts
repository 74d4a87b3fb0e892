import { FairLane } from "./fair-lane.js";
import type { Job } from "./job.js";

/**
 * The waiting jobs: a priority lane (members with a priority grant) served before the normal
 * lane, each lane fair between users. Knows nothing of states, backends or storage.
 */
export class FairScheduler {
  readonly #priority = new FairLane();
  readonly #normal = new FairLane();
  readonly #byId = new Map<string, Job>();

  get size(): number {
    return this.#byId.size;
  }

  get users(): number {
    return this.#priority.users + this.#normal.users;
  }

  has(jobId: string): boolean {
    return this.#byId.has(jobId);
  }

  get(jobId: string): Job | undefined {
    return this.#byId.get(jobId);
  }

  push(job: Job): void {
    this.#lane(job).push(job);
    this.#byId.set(job.id, job);
  }

  /** Back to the head of its user's FIFO (a job ComfyUI lost). */
  unshift(job: Job): void {
    this.#lane(job).unshift(job);
    this.#byId.set(job.id, job);
  }

  remove(job: Job): boolean {
    this.#byId.delete(job.id);
    return this.#lane(job).remove(job);
  }

  take(job: Job): boolean {
    this.#byId.delete(job.id);
    return this.#lane(job).take(job);
  }

  /** Candidates for dispatch in service order: each user's head, priority lane first. */
  *heads(): Generator<Job> {
    yield* this.#priority.heads();
    yield* this.#normal.heads();
  }

  /** Jobs dispatched before this one if every backend took jobs in order; undefined if not waiting. */
  position(jobId: string): number | undefined {
    const job = this.#byId.get(jobId);
    if (!job) return undefined;
    if (job.priority) return this.#priority.position(job);
    const inLane = this.#normal.position(job);
    return inLane === undefined ? undefined : this.#priority.size + inLane;
  }

  *ordered(): Generator<Job> {
    yield* this.#priority.ordered();
    yield* this.#normal.ordered();
  }

  /** Waiting jobs of one user, oldest first (both lanes). */
  jobsOf(userId: string): Job[] {
    return [...this.#priority.jobsOf(userId), ...this.#normal.jobsOf(userId)].sort((a, b) => a.seq - b.seq);
  }

  #lane(job: Job): FairLane {
    return job.priority ? this.#priority : this.#normal;
  }
}
