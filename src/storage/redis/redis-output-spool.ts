import { z } from "zod";
import type { RunOutputFile } from "../../queue/dispatcher.js";
import type { OutputSpool } from "../../queue/output-spool.js";
import { readRecord } from "../read-record.js";
import { StorageError } from "../storage-error.js";
import type { RedisConnection } from "./redis-connection.js";

const keptSetSchema = z.array(
  z.object({
    nodeId: z.string(),
    filename: z.string(),
    subfolder: z.string(),
    type: z.string(),
    contentType: z.string().optional(),
    /** The file's bytes, base64. */
    data: z.string(),
  }),
);

/**
 * Succeeded jobs' output files on Redis (`P outputs:<job id>`), so any bot process sharing the
 * store can post a result another one made. One JSON string per job, written with one SET, so a
 * set is there whole or not at all. Base64 rather than raw bytes: the connection's replies stay
 * strings (no second, binary-typed client), at a third more memory for the minutes a result waits.
 */
export class RedisOutputSpool implements OutputSpool {
  readonly #redis: RedisConnection;

  constructor(redis: RedisConnection) {
    this.#redis = redis;
  }

  async keep(jobId: string, files: readonly RunOutputFile[]): Promise<void> {
    const text = JSON.stringify(
      files.map(({ data, ...meta }) => ({ ...meta, data: Buffer.from(data).toString("base64") })),
    );
    await this.#redis.run(`keeping the outputs of job ${jobId}`, async (client) =>
      client.set(this.#redis.keys.outputs(jobId), text),
    );
  }

  async load(jobId: string): Promise<RunOutputFile[] | undefined> {
    const text = await this.#redis.run(`reading the outputs of job ${jobId}`, async (client) =>
      client.get(this.#redis.keys.outputs(jobId)),
    );
    if (text === null) return undefined;
    const read = readRecord(keptSetSchema, text);
    if (!read.ok)
      throw new StorageError("corrupt", `the outputs of job ${jobId} are damaged (${read.reason})`);
    return read.value.map(({ data, ...meta }) => ({
      ...meta,
      ...(meta.contentType === undefined ? {} : { contentType: meta.contentType }),
      data: new Uint8Array(Buffer.from(data, "base64")),
    }));
  }

  async discard(jobId: string): Promise<void> {
    await this.#redis.run(`discarding the outputs of job ${jobId}`, async (client) =>
      client.del(this.#redis.keys.outputs(jobId)),
    );
  }
}
