import { LuaScript, replyFields } from "./lua-script.js";
import type { RedisConnection } from "./redis-connection.js";

/*
 * `P lease:<name>` holds "<holder> <fence>" with a TTL; `P lease:<name>:fence` counts every
 * grant. A new holder always gets a larger fence than any before it, so a store write carrying a
 * fence can be refused once someone newer holds the lease (see `FencedJobWriter`).
 */

/** ARGV: lease key, fence key, holder, ttl ms. Replies {1, fence} or {0, holder, ttl left}. */
const acquireScript = new LuaScript(
  "lease-acquire",
  `local current = redis.call('GET', ARGV[1])
if current then
  local holder, fence = string.match(current, '^(.*) (%d+)$')
  if holder == ARGV[3] then
    redis.call('PEXPIRE', ARGV[1], ARGV[4])
    return { 1, tonumber(fence) }
  end
  return { 0, holder or '', redis.call('PTTL', ARGV[1]) }
end
local fence = redis.call('INCR', ARGV[2])
redis.call('SET', ARGV[1], ARGV[3] .. ' ' .. fence, 'PX', ARGV[4])
return { 1, fence }`,
);

/** ARGV: lease key, "<holder> <fence>", ttl ms. Extends the lease only for its holder. */
const renewScript = new LuaScript(
  "lease-renew",
  `if redis.call('GET', ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('PEXPIRE', ARGV[1], ARGV[3])
return 1`,
);

/** ARGV: lease key, "<holder> <fence>". Ends the lease only for its holder. */
const releaseScript = new LuaScript(
  "lease-release",
  `if redis.call('GET', ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('DEL', ARGV[1])
return 1`,
);

export type LeaseGrant =
  | { acquired: true; fence: number }
  /** Someone else holds it for `ttlMs` more (at most). */
  | { acquired: false; holder: string; ttlMs: number };

/**
 * A named lease with a fencing token, for phase 2's single conductor: at most one holder at a
 * time, for a TTL the holder renews; `release` hands it over at once (graceful shutdown). Each
 * grant gets a fence larger than every earlier one. Holders are free-form ids without spaces
 * (a process's host and pid, say).
 */
export class RedisLease {
  readonly name: string;
  readonly #redis: RedisConnection;

  constructor(redis: RedisConnection, name: string) {
    this.#redis = redis;
    this.name = name;
  }

  /** Takes the lease when free (or already ours: then extends it and keeps its fence). */
  async acquire(holder: string, ttlMs: number): Promise<LeaseGrant> {
    checkHolder(holder);
    const { keys } = this.#redis;
    const reply = await this.#redis.run(`acquiring lease ${this.name}`, async (client) =>
      acquireScript.run(client, [keys.lease(this.name), keys.leaseFence(this.name), holder, ttlMs]),
    );
    const [granted, second, third] = replyFields(reply);
    if (Number(granted) === 1) return { acquired: true, fence: Number(second) };
    return { acquired: false, holder: second ?? "", ttlMs: Math.max(0, Number(third)) };
  }

  /** Extends the lease by `ttlMs` from now; false when `holder` with `fence` no longer holds it. */
  async renew(holder: string, fence: number, ttlMs: number): Promise<boolean> {
    const reply = await this.#redis.run(`renewing lease ${this.name}`, async (client) =>
      renewScript.run(client, [this.#redis.keys.lease(this.name), `${holder} ${fence}`, ttlMs]),
    );
    return Number(reply) === 1;
  }

  /** Gives the lease up so the next process takes it at once; false when it was not held. */
  async release(holder: string, fence: number): Promise<boolean> {
    const reply = await this.#redis.run(`releasing lease ${this.name}`, async (client) =>
      releaseScript.run(client, [this.#redis.keys.lease(this.name), `${holder} ${fence}`]),
    );
    return Number(reply) === 1;
  }

  /** Who holds it now, for `/healthz`; undefined when nobody does. */
  async current(): Promise<{ holder: string; fence: number } | undefined> {
    const value = await this.#redis.run(`reading lease ${this.name}`, async (client) =>
      client.get(this.#redis.keys.lease(this.name)),
    );
    const match = value === null ? null : /^(.*) (\d+)$/.exec(value);
    return match ? { holder: match[1] ?? "", fence: Number(match[2]) } : undefined;
  }
}

function checkHolder(holder: string): void {
  if (holder === "" || /\s/.test(holder)) {
    throw new Error(`a lease holder id is one word without spaces, got ${JSON.stringify(holder)}`);
  }
}
