import KeyvRedis from "@keyv/redis";
import Keyv from "keyv";
import type { Logger } from "pino";
import type { z } from "zod";
import { StorageError } from "../storage-error.js";
import type { RedisConnection } from "./redis-connection.js";

/**
 * One Keyv namespace on the storage's Redis connection (`@keyv/redis` over the shared client),
 * with checked reads and writes that fail loudly, like the SQLite file's `KeyvNamespace`.
 *
 * Keyv and its Redis adapter swallow store errors unless told not to (a write that never landed
 * looked done): both are set to throw, and every call goes through `RedisConnection.run`, which
 * also refuses once the storage is closed (the adapter would otherwise reconnect by itself). A
 * record that no longer parses or matches its schema is logged with its key and read as absent.
 */
export class RedisKeyvNamespace<T> {
  readonly #keyv: Keyv;
  readonly #redis: RedisConnection;
  readonly #namespace: string;
  readonly #schema: z.ZodType<T>;
  readonly #logger: Logger;

  constructor(redis: RedisConnection, namespace: string, schema: z.ZodType<T>, logger: Logger) {
    const adapter = new KeyvRedis(redis.client, {
      namespace,
      // `<namespace>:<key>`, like every other key of the storage (Keyv's default is "::").
      keyPrefixSeparator: ":",
      throwOnErrors: true,
      throwOnConnectError: true,
    });
    // The adapter prefixes keys itself; Keyv's own prefix would say the namespace twice.
    this.#keyv = new Keyv({ store: adapter, namespace, useKeyPrefix: false, throwOnErrors: true });
    this.#keyv.on("error", (error: unknown) =>
      // Also thrown to the caller, who decides; this line only says which namespace it was.
      logger.debug({ err: error, namespace }, "Keyv store error"),
    );
    this.#redis = redis;
    this.#namespace = namespace;
    this.#schema = schema;
    this.#logger = logger;
  }

  async get(key: string): Promise<T | undefined> {
    let raw: unknown;
    try {
      raw = await this.#redis.run(`read of ${this.#namespace}:${key}`, async (): Promise<unknown> =>
        this.#keyv.get<unknown>(key),
      );
    } catch (error) {
      // Keyv parses the value after reading it: a SyntaxError is the record, not the store.
      if (error instanceof StorageError && error.cause instanceof SyntaxError) {
        return this.#bad(key, `not JSON (${error.cause.message})`);
      }
      throw error;
    }
    if (raw === undefined) return undefined;
    const parsed = this.#schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    return this.#bad(
      key,
      `does not match its schema (${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""})`,
    );
  }

  async set(key: string, value: T): Promise<void> {
    const valid = this.#schema.parse(value);
    const stored = await this.#redis.run(`write of ${this.#namespace}:${key}`, async () =>
      this.#keyv.set(key, valid),
    );
    if (!stored) throw new StorageError("failed", `storage write of ${this.#namespace}:${key} was refused`);
  }

  async delete(key: string): Promise<boolean> {
    return this.#redis.run(`delete of ${this.#namespace}:${key}`, async () => this.#keyv.delete(key));
  }

  #bad(key: string, reason: string): undefined {
    this.#logger.warn(
      { namespace: this.#namespace, key, reason },
      "a stored record cannot be read back; treating it as absent",
    );
    return undefined;
  }
}
