import { randomUUID } from "node:crypto";
import { z } from "zod";
import { inputImageTypes, type InputImage, type InputSpool } from "../../queue/input-spool.js";
import { readRecord } from "../read-record.js";
import { StorageError } from "../storage-error.js";
import { LuaScript } from "./lua-script.js";
import type { RedisConnection } from "./redis-connection.js";

const keptPictureSchema = z.object({
  type: z.enum(inputImageTypes),
  /** The picture's bytes, base64. */
  data: z.string(),
});

/** Owner ids are Discord ids (or the terminal's name), as the folder spool accepts them. */
const safeOwner = /^[A-Za-z0-9_-]{1,64}$/;
const refPattern = /^[A-Za-z0-9_-]{1,64}\/[0-9a-f-]{36}$/;

/** ARGV: prefix, ref, owner, kept at, record. A picture and its two indexes, in one step. */
const keepScript = new LuaScript(
  "keep-input",
  `local P = ARGV[1]
redis.call('SET', P .. 'input:' .. ARGV[2], ARGV[5])
redis.call('SADD', P .. 'inputs:owner:' .. ARGV[3], ARGV[2])
redis.call('ZADD', P .. 'inputs:kept', ARGV[4], ARGV[2])
return 1`,
);

/** ARGV: prefix, owner. Deletes the member's pictures; returns how many. */
const forgetOwnerScript = new LuaScript(
  "forget-input-owner",
  `local P = ARGV[1]
local refs = redis.call('SMEMBERS', P .. 'inputs:owner:' .. ARGV[2])
for _, ref in ipairs(refs) do
  redis.call('DEL', P .. 'input:' .. ref)
  redis.call('ZREM', P .. 'inputs:kept', ref)
end
redis.call('DEL', P .. 'inputs:owner:' .. ARGV[2])
return #refs`,
);

/** ARGV: prefix, cutoff, batch size. Deletes up to a batch of pictures kept before the cutoff. */
const pruneScript = new LuaScript(
  "prune-inputs",
  `local P = ARGV[1]
local refs = redis.call('ZRANGEBYSCORE', P .. 'inputs:kept', '-inf', '(' .. ARGV[2], 'LIMIT', 0, ARGV[3])
for _, ref in ipairs(refs) do
  local owner = string.match(ref, '^([^/]+)/')
  redis.call('DEL', P .. 'input:' .. ref)
  redis.call('ZREM', P .. 'inputs:kept', ref)
  if owner then redis.call('SREM', P .. 'inputs:owner:' .. owner, ref) end
end
return #refs`,
);

const pruneBatch = 500;

/**
 * The pictures jobs start from, on Redis (`P input:<owner>/<id>`, indexed by member and by the
 * time kept), so any bot process sharing the store can upload a job's input to the host that
 * runs it. Base64 in a JSON string, as the output spool: the connection's replies stay strings.
 * References have the folder spool's shape (`<owner>/<uuid>`), so `migrate-store` users see the
 * same values in jobs either way.
 */
export class RedisInputSpool implements InputSpool {
  readonly #redis: RedisConnection;
  readonly #now: () => number;

  constructor(redis: RedisConnection, options: { now?: () => number } = {}) {
    this.#redis = redis;
    this.#now = options.now ?? Date.now;
  }

  async keep(ownerId: string, image: InputImage): Promise<string> {
    if (!safeOwner.test(ownerId)) throw new TypeError(`not an owner id: ${JSON.stringify(ownerId)}`);
    const ref = `${ownerId}/${randomUUID()}`;
    const record = JSON.stringify({
      type: image.contentType,
      data: Buffer.from(image.bytes).toString("base64"),
    });
    await this.#redis.run(`keeping an input picture of ${ownerId}`, async (client) =>
      keepScript.run(client, [this.#redis.keys.prefix, ref, ownerId, this.#now(), record]),
    );
    return ref;
  }

  async load(ref: string): Promise<InputImage | undefined> {
    if (!refPattern.test(ref)) return undefined;
    const text = await this.#redis.run(`reading the input picture ${ref}`, async (client) =>
      client.get(`${this.#redis.keys.prefix}input:${ref}`),
    );
    if (text === null) return undefined;
    const read = readRecord(keptPictureSchema, text);
    if (!read.ok) throw new StorageError("corrupt", `the input picture ${ref} is damaged (${read.reason})`);
    return { bytes: new Uint8Array(Buffer.from(read.value.data, "base64")), contentType: read.value.type };
  }

  async forgetOwner(ownerId: string): Promise<number> {
    if (!safeOwner.test(ownerId)) return 0;
    const count = await this.#redis.run(`deleting the input pictures of ${ownerId}`, async (client) =>
      forgetOwnerScript.run(client, [this.#redis.keys.prefix, ownerId]),
    );
    return Number(count);
  }

  async pruneBefore(cutoff: number): Promise<number> {
    let total = 0;
    for (;;) {
      const count = Number(
        await this.#redis.run("pruning old input pictures", async (client) =>
          pruneScript.run(client, [this.#redis.keys.prefix, cutoff, pruneBatch]),
        ),
      );
      total += count;
      if (count < pruneBatch) return total;
    }
  }
}
