import type { Job, QueuedJob } from "../../queue/job.js";
import { finishedAtOf, isFinished, jobSchema } from "../../queue/job.js";
import type { JobStore, SetAsideRecord } from "../../queue/job-store.js";

/**
 * Jobs in a Map: for tests and the terminal's `generate`, which must not touch the bot's data.
 * Stores copies (through the schema), so a caller changing an object it passed in changes nothing here.
 */
export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, Job>();

  async insert(job: QueuedJob): Promise<void> {
    if (this.#jobs.has(job.id)) throw new Error(`job ${job.id} is already stored`);
    this.#jobs.set(job.id, jobSchema.parse(job));
    return Promise.resolve();
  }

  async save(job: Job): Promise<void> {
    this.#jobs.set(job.id, jobSchema.parse(job));
    return Promise.resolve();
  }

  async loadUnfinished(): Promise<{ jobs: Job[]; setAside: SetAsideRecord[] }> {
    const jobs = [...this.#jobs.values()].filter((job) => !isFinished(job)).sort((a, b) => a.seq - b.seq);
    return Promise.resolve({ jobs: jobs.map((job) => structuredClone(job)), setAside: [] });
  }

  async get(jobId: string): Promise<Job | undefined> {
    const job = this.#jobs.get(jobId);
    return Promise.resolve(job === undefined ? undefined : structuredClone(job));
  }

  async maxSeq(): Promise<number> {
    let max = 0;
    for (const job of this.#jobs.values()) max = Math.max(max, job.seq);
    return Promise.resolve(max);
  }

  async forgetUser(userId: string): Promise<number> {
    let count = 0;
    for (const [id, job] of this.#jobs) {
      if (job.userId === userId) {
        this.#jobs.delete(id);
        count++;
      }
    }
    return Promise.resolve(count);
  }

  async pruneFinished(cutoff: number): Promise<number> {
    let count = 0;
    for (const [id, job] of this.#jobs) {
      const finishedAt = finishedAtOf(job);
      if (finishedAt !== undefined && finishedAt < cutoff) {
        this.#jobs.delete(id);
        count++;
      }
    }
    return Promise.resolve(count);
  }
}
