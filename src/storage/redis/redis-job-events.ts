import { z } from "zod";
import { jobRunSchema, jobSchema, type Job, type JobRun } from "../../queue/job.js";
import { readRecord } from "../read-record.js";
import { StorageError } from "../storage-error.js";
import {
  commitJobScript,
  openSnapshotScript,
  publishEventScript,
  takeRunsToStopScript,
} from "./event-scripts.js";
import { jobArguments } from "./job-indexes.js";
import { replyFields } from "./lua-script.js";
import type { RedisConnection } from "./redis-connection.js";

/** A job as stored, with the revision every write increments (`write_job`). */
export interface VersionedJob {
  job: Job;
  rev: number;
}

/** A stored job that cannot be read back, found by `snapshot` (the caller sets it aside). */
export interface UnreadableJob {
  id: string;
  reason: string;
}

export interface OpenSnapshot {
  jobs: VersionedJob[];
  unreadable: UnreadableJob[];
  /** The last stream entry when the jobs were read: read the stream after it. */
  after: string;
  /** That entry's `n`. */
  n: number;
}

export interface CommitRequest {
  job: Job;
  /** The revision the writer's change was made from. */
  expectRev: number;
  /** The conductor's writes: refused once the lease was granted to someone newer. */
  fence?: { leaseName: string; fence: number } | undefined;
  /** The transition's announcement for the stream (JSON), if it makes one. */
  announcement?: string | undefined;
  /** A cancelled job's prompt, for the conductor to take back from ComfyUI. */
  stopRun?: JobRun | undefined;
}

export type CommitReply =
  | { kind: "stored"; rev: number; entryId: string }
  /** The lease was granted to someone newer: nothing was written. */
  | { kind: "fenced"; latestFence: number }
  /** Changed since `expectRev` (or deleted: `current` undefined): nothing was written. */
  | { kind: "changed"; current: VersionedJob | undefined };

/** One stream entry: its id and its fields (see `event-functions.ts`). */
export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/**
 * The job event stream and the versioned job writes of bot processes sharing one Redis: every
 * job change is a compare-and-set on the job's revision that appends the change to `P events` in
 * the same script, so readers (the conductor, the process showing the job) follow stored state
 * in the order it was stored. Layout in `redis-keys.ts`.
 */
export class RedisJobEvents {
  readonly #redis: RedisConnection;

  constructor(redis: RedisConnection) {
    this.#redis = redis;
  }

  async snapshot(): Promise<OpenSnapshot> {
    const reply = replyFields(
      await this.#redis.run("snapshot of the open jobs", async (client) =>
        openSnapshotScript.run(client, [this.#redis.keys.prefix]),
      ),
    );
    const [after = "0-0", n = "0", ...rows] = reply;
    const jobs: VersionedJob[] = [];
    const unreadable: UnreadableJob[] = [];
    for (let index = 0; index + 2 < rows.length; index += 3) {
      const id = rows[index] ?? "";
      const read = readRecord(jobSchema, rows[index + 1] ?? "");
      if (read.ok && read.value.id === id) jobs.push({ job: read.value, rev: Number(rows[index + 2]) });
      else
        unreadable.push({
          id,
          reason: read.ok ? `stored under id ${id} but says ${read.value.id}` : read.reason,
        });
    }
    return { jobs, unreadable, after, n: Number(n) };
  }

  /** The job with its revision; undefined when it is not stored (or cannot be read). */
  async get(jobId: string): Promise<VersionedJob | undefined> {
    const [json, rev] = await this.#redis.run(`read of job ${jobId}`, async (client) =>
      client.hmGet(this.#redis.keys.job(jobId), ["json", "rev"]),
    );
    if (json === null || json === undefined) return undefined;
    const read = readRecord(jobSchema, json);
    return read.ok ? { job: read.value, rev: Number(rev ?? 0) } : undefined;
  }

  async commit(request: CommitRequest): Promise<CommitReply> {
    const { keys } = this.#redis;
    const args = jobArguments(jobSchema.parse(request.job));
    const reply = replyFields(
      await this.#redis.run(`write of job ${request.job.id}`, async (client) =>
        commitJobScript.run(client, [
          keys.prefix,
          request.fence ? keys.leaseFence(request.fence.leaseName) : "",
          request.fence?.fence ?? "",
          request.expectRev,
          request.announcement ?? "",
          request.stopRun ? JSON.stringify(request.stopRun) : "",
          ...args,
        ]),
      ),
    );
    const [status, first, second] = reply;
    switch (status ?? "") {
      case "ok":
        return { kind: "stored", rev: Number(first), entryId: second ?? "" };
      case "fenced":
        return { kind: "fenced", latestFence: Number(first) };
      case "missing":
        return { kind: "changed", current: undefined };
      case "changed": {
        const read = readRecord(jobSchema, first ?? "");
        return { kind: "changed", current: read.ok ? { job: read.value, rev: Number(second) } : undefined };
      }
      default:
        throw new StorageError("failed", `write of job ${request.job.id} got an unexpected reply: ${status}`);
    }
  }

  /** Appends an entry that changes no stored job; resolves with its id. */
  async publish(fields: Readonly<Record<string, string>>): Promise<string> {
    const flat = Object.entries(fields).flat();
    const id = await this.#redis.run("publishing a job event", async (client) =>
      publishEventScript.run(client, [this.#redis.keys.prefix, ...flat]),
    );
    return String(id);
  }

  /** Takes the prompts of jobs cancelled by any process, for the conductor to stop. */
  async takeRunsToStop(): Promise<JobRun[]> {
    const reply = await this.#redis.run("taking the runs to stop", async (client) =>
      takeRunsToStopScript.run(client, [this.#redis.keys.prefix]),
    );
    const runs: JobRun[] = [];
    for (const text of replyFields(reply)) {
      const read = readRecord(jobRunSchema, text);
      if (read.ok) runs.push(read.value);
    }
    return runs;
  }

  /**
   * Entries after `after`, waiting up to `blockMs` for one. `reader` is a connection of its own
   * (`RedisConnection.sibling`): the wait holds it.
   */
  async read(reader: RedisConnection, after: string, blockMs: number, count = 200): Promise<StreamEntry[]> {
    const reply = await reader.run("reading job events", async (client) =>
      client.xRead({ key: reader.keys.events, id: after }, { BLOCK: blockMs, COUNT: count }),
    );
    const streams = z
      .array(
        z.object({
          messages: z.array(z.object({ id: z.string(), message: z.record(z.string(), z.string()) })),
        }),
      )
      .nullable()
      .parse(reply);
    return (streams ?? []).flatMap((stream) =>
      stream.messages.map((message) => ({ id: message.id, fields: message.message })),
    );
  }
}
