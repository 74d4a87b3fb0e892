import { pino, type Logger } from "pino";
import type { Job, QueuedJob } from "../../queue/job.js";
import { finishedAtOf, isClosed, jobSchema } from "../../queue/job.js";
import type { JobStore, SetAsideRecord } from "../../queue/job-store.js";
import { readRecord } from "../read-record.js";
import { StorageError } from "../storage-error.js";

/** One stored job as a store holds it: a few indexed fields and the job as JSON text. */
export interface StoredJobRow {
  id: string;
  seq: number;
  userId: string;
  /** Set once the job finished; what retention prunes by. */
  finishedAt?: number | undefined;
  text: string;
}

export interface MemoryJobStoreOptions {
  logger?: Logger;
  /** Rows already there, as another writer left them (tests plant unreadable ones this way). */
  rows?: Iterable<StoredJobRow>;
}

/**
 * Jobs in a Map: for tests and the terminal's `generate`, which must not touch the bot's data.
 * Keeps each job as JSON text, like the SQLite store, so a caller changing an object it passed in
 * changes nothing here, and unreadable records are set aside exactly as the file store does.
 */
export class MemoryJobStore implements JobStore {
  readonly #rows = new Map<string, StoredJobRow>();
  readonly #setAside = new Map<string, StoredJobRow & { reason: string }>();
  readonly #logger: Logger;

  constructor(options: MemoryJobStoreOptions = {}) {
    this.#logger = options.logger ?? pino({ level: "silent" });
    for (const row of options.rows ?? []) this.#rows.set(row.id, { ...row });
  }

  async insert(job: QueuedJob): Promise<void> {
    if (this.#rows.has(job.id)) throw new StorageError("conflict", `job ${job.id} is already stored`);
    this.#rows.set(job.id, rowOf(job));
    return Promise.resolve();
  }

  async save(job: Job): Promise<void> {
    this.#rows.set(job.id, rowOf(job));
    return Promise.resolve();
  }

  async loadOpen(): Promise<{ jobs: Job[]; setAside: SetAsideRecord[] }> {
    const unfinished = [...this.#rows.values()]
      .filter((row) => row.finishedAt === undefined)
      .sort((a, b) => a.seq - b.seq);
    const jobs: Job[] = [];
    const setAside: SetAsideRecord[] = [];
    for (const row of unfinished) {
      const read = readRecord(jobSchema, row.text);
      if (read.ok && read.value.id === row.id && !isClosed(read.value)) {
        jobs.push(read.value);
        continue;
      }
      const reason = !read.ok
        ? read.reason
        : read.value.id !== row.id
          ? `stored under id ${row.id} but says ${read.value.id}`
          : `stored as unfinished but says ${read.value.state}`;
      this.#rows.delete(row.id);
      this.#setAside.set(row.id, { ...row, reason });
      this.#logger.warn({ jobId: row.id, reason }, "set aside a stored job that cannot be read back");
      setAside.push({ id: row.id, reason });
    }
    return Promise.resolve({ jobs, setAside });
  }

  async get(jobId: string): Promise<Job | undefined> {
    const row = this.#rows.get(jobId);
    if (row === undefined) return Promise.resolve(undefined);
    const read = readRecord(jobSchema, row.text);
    if (!read.ok) this.#logger.warn({ jobId, reason: read.reason }, "a stored job cannot be read back");
    return Promise.resolve(read.ok ? read.value : undefined);
  }

  async maxSeq(): Promise<number> {
    let max = 0;
    for (const row of this.#rows.values()) max = Math.max(max, row.seq);
    return Promise.resolve(max);
  }

  async forgetUser(userId: string): Promise<number> {
    let count = 0;
    for (const [id, row] of this.#rows) {
      if (row.userId === userId) {
        this.#rows.delete(id);
        count++;
      }
    }
    // What was set aside is the member's data too.
    for (const [id, row] of this.#setAside) if (row.userId === userId) this.#setAside.delete(id);
    return Promise.resolve(count);
  }

  async pruneFinished(cutoff: number): Promise<number> {
    let count = 0;
    for (const [id, row] of this.#rows) {
      if (row.finishedAt !== undefined && row.finishedAt < cutoff) {
        this.#rows.delete(id);
        count++;
      }
    }
    return Promise.resolve(count);
  }
}

function rowOf(job: Job): StoredJobRow {
  // Checked on the way in, so what is stored is what reads back.
  const valid = jobSchema.parse(job);
  return {
    id: valid.id,
    seq: valid.seq,
    userId: valid.userId,
    // Only a closed job ages out; a succeeded one still waits to be posted.
    finishedAt: isClosed(valid) ? finishedAtOf(valid) : undefined,
    text: JSON.stringify(valid),
  };
}
