import type { RedisConnection } from "./redis-connection.js";

/**
 * The latest preview image of each running job (`P preview:<job>`, base64 with a short TTL), for
 * the process that shows the job: the job event stream only says a new one is there, so the
 * stream stays small while previews come several times a second. Only the latest matters.
 */
export class RedisPreviews {
  readonly #redis: RedisConnection;

  constructor(redis: RedisConnection) {
    this.#redis = redis;
  }

  async keep(jobId: string, image: Uint8Array, ttlMs = 60_000): Promise<void> {
    await this.#redis.run(`keeping a preview of job ${jobId}`, async (client) =>
      client.set(this.#redis.keys.preview(jobId), Buffer.from(image).toString("base64"), { PX: ttlMs }),
    );
  }

  async load(jobId: string): Promise<Uint8Array | undefined> {
    const text = await this.#redis.run(`reading a preview of job ${jobId}`, async (client) =>
      client.get(this.#redis.keys.preview(jobId)),
    );
    return text === null ? undefined : new Uint8Array(Buffer.from(text, "base64"));
  }
}
