import type { Logger } from "pino";
import {
  resultEntrySchema,
  type ResultEntry,
  type ResultPage,
  type ResultPageQuery,
  type ResultStore,
} from "../../history/result-store.js";
import type { SweepOptions } from "../../queue/job-store.js";
import { readRecord } from "../read-record.js";
import type { RedisConnection } from "./redis-connection.js";
import { sweepInBatches } from "./redis-sweep.js";
import {
  forgetUserResultsScript,
  pruneResultsScript,
  recordResultScript,
  removeResultScript,
} from "./result-scripts.js";

/**
 * Result links on Redis: a hash per posted message, and a sorted set per (member, server) scored
 * by creation time for `/history`. Equal scores sort by member (the message id), so reading the
 * set backwards gives newest first with ties by message id descending, as the port asks.
 */
export class RedisResultStore implements ResultStore {
  readonly #redis: RedisConnection;
  readonly #logger: Logger;

  constructor(redis: RedisConnection, logger: Logger) {
    this.#redis = redis;
    this.#logger = logger;
  }

  async record(entry: ResultEntry): Promise<void> {
    const valid = resultEntrySchema.parse(entry);
    await this.#redis.run(`write of result ${valid.messageId}`, async (client) =>
      recordResultScript.run(client, [
        this.#redis.keys.prefix,
        valid.messageId,
        JSON.stringify(valid),
        valid.userId,
        valid.guildId,
        valid.createdAt,
      ]),
    );
  }

  async get(messageId: string): Promise<ResultEntry | undefined> {
    const text = await this.#redis.run(`read of result ${messageId}`, async (client) =>
      client.hGet(this.#redis.keys.result(messageId), "json"),
    );
    return text === null || text === undefined ? undefined : this.#read(messageId, text);
  }

  async remove(messageId: string): Promise<boolean> {
    const removed = await this.#redis.run(`delete of result ${messageId}`, async (client) =>
      removeResultScript.run(client, [this.#redis.keys.prefix, messageId]),
    );
    return Number(removed) > 0;
  }

  async page(query: ResultPageQuery): Promise<ResultPage> {
    const { keys } = this.#redis;
    const member = keys.resultsOfMember(query.userId, query.guildId);
    const { ids, total, texts } = await this.#redis.run("read of a history page", async (client) => {
      // One transaction, so the page and the total see the same set.
      const [ids, total] = await client
        .multi()
        .zRange(member, query.offset, query.offset + query.limit - 1, { REV: true })
        .zCard(member)
        .exec();
      const pageIds = Array.isArray(ids) ? ids.map(String) : [];
      const texts = await Promise.all(pageIds.map(async (id) => client.hGet(keys.result(id), "json")));
      return { ids: pageIds, total: Number(total), texts };
    });
    const entries: ResultEntry[] = [];
    for (const [index, id] of ids.entries()) {
      const text = texts[index];
      const entry = text === null || text === undefined ? undefined : this.#read(id, text);
      if (entry) entries.push(entry);
    }
    return { entries, total };
  }

  async forgetUser(userId: string): Promise<number> {
    const deleted = await this.#redis.run(`forgetting the results of ${userId}`, async (client) =>
      forgetUserResultsScript.run(client, [this.#redis.keys.prefix, userId]),
    );
    return Number(deleted);
  }

  async pruneBefore(cutoff: number, options?: SweepOptions): Promise<number> {
    return sweepInBatches(async (limit) => {
      const deleted = await this.#redis.run("pruning of results", async (client) =>
        pruneResultsScript.run(client, [this.#redis.keys.prefix, cutoff, limit]),
      );
      return Number(deleted);
    }, options);
  }

  #read(messageId: string, text: string): ResultEntry | undefined {
    const read = readRecord(resultEntrySchema, text);
    if (read.ok) return read.value;
    this.#logger.warn(
      { messageId, reason: read.reason },
      "a stored result cannot be read back; treating it as absent",
    );
    return undefined;
  }
}
