import type { Logger } from "pino";
import { z } from "zod";
import type { SweepOptions } from "../../queue/job-store.js";
import type { RateStore } from "../../queue/rate-store.js";
import { readRecord } from "../read-record.js";
import { LuaScript } from "./lua-script.js";
import type { RedisConnection } from "./redis-connection.js";
import { sweepInBatches } from "./redis-sweep.js";

/** `P rate:<user>`: the member's admission times and when the record may go. */
export const rateRecordSchema = z.object({ hits: z.array(z.number()), expiresAt: z.number() });

/** ARGV: prefix, now, batch size. Drops up to a batch of records whose expiry passed. */
const expireRatesScript = new LuaScript(
  "expire-rates",
  `local P = ARGV[1]
local users = redis.call('ZRANGEBYSCORE', P .. 'rates:expiry', '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
for _, user in ipairs(users) do
  redis.call('DEL', P .. 'rate:' .. user)
  redis.call('ZREM', P .. 'rates:expiry', user)
end
return #users`,
);

/**
 * Rate-limit records on Redis: one string per member with a TTL, so Redis drops idle members by
 * itself, plus a sorted set by expiry so retention (`expire`) counts and drops them on the
 * storage's own clock, as the other stores do. Not a Keyv namespace, though key-value: the
 * phase 2 admission script reads and writes these records atomically with the job it admits
 * (`admission-script.ts`), so their format is this store's own, not Keyv's envelope.
 */
export class RedisRateStore implements RateStore {
  readonly #redis: RedisConnection;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(redis: RedisConnection, logger: Logger, options: { now?: () => number } = {}) {
    this.#redis = redis;
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
  }

  async hits(userId: string): Promise<number[]> {
    const text = await this.#redis.run(`read of the rate record of ${userId}`, async (client) =>
      client.get(this.#redis.keys.rate(userId)),
    );
    if (text === null) return [];
    const read = readRecord(rateRecordSchema, text);
    if (!read.ok) {
      // Forgetting a member's recent admissions lets them past the limit once, never blocks them.
      this.#logger.warn(
        { userId, reason: read.reason },
        "a stored rate-limit record cannot be read back; treating it as empty",
      );
      return [];
    }
    return read.value.expiresAt > this.#now() ? read.value.hits : [];
  }

  async save(userId: string, hits: readonly number[], expiresAt: number): Promise<void> {
    const record = rateRecordSchema.parse({ hits, expiresAt });
    const { keys } = this.#redis;
    const ttl = Math.ceil(expiresAt - this.#now());
    await this.#redis.run(`write of the rate record of ${userId}`, async (client) => {
      if (ttl <= 0) {
        await client.multi().del(keys.rate(userId)).zRem(keys.rateExpiry, userId).exec();
        return;
      }
      await client
        .multi()
        .set(keys.rate(userId), JSON.stringify(record), { expiration: { type: "PX", value: ttl } })
        .zAdd(keys.rateExpiry, { score: expiresAt, value: userId })
        .exec();
    });
  }

  async forgetUser(userId: string): Promise<boolean> {
    const { keys } = this.#redis;
    const [deleted, unindexed] = await this.#redis.run(
      `forgetting the rate record of ${userId}`,
      async (client) => client.multi().del(keys.rate(userId)).zRem(keys.rateExpiry, userId).exec(),
    );
    return Number(deleted) > 0 || Number(unindexed) > 0;
  }

  /** Drops the records whose expiry passed by `now`; returns how many. */
  async expire(now: number, options?: SweepOptions): Promise<number> {
    return sweepInBatches(async (limit) => {
      const dropped = await this.#redis.run("expiry of rate records", async (client) =>
        expireRatesScript.run(client, [this.#redis.keys.prefix, now, limit]),
      );
      return Number(dropped);
    }, options);
  }
}
