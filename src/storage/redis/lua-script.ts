import { createHash } from "node:crypto";
import type { RedisClient } from "./redis-connection.js";

/**
 * A Lua script run by its SHA-1 (`EVALSHA`), sent whole (`EVAL`) only when the server does not
 * have it yet (a new or restarted Redis answers NOSCRIPT). Redis runs a script atomically: no
 * other command runs between its reads and writes, which is what admission, the indexes and
 * the lease rely on.
 *
 * Every script starts with the `#!lua` line (Redis 7): Redis then refuses a script that writes
 * while it is out of memory before it starts, instead of failing it at its first write after
 * earlier writes landed (Redis does not roll a script back), so a job is never half indexed.
 *
 * Scripts build their key names from the prefix passed as their first argument rather than
 * declaring them all in KEYS: the keys they touch depend on what they read (a job's previous
 * member and server). Every key shares the prefix's hash tag, so this holds on a cluster too.
 */
export class LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;

  constructor(name: string, source: string) {
    this.name = name;
    this.source = `#!lua\n${source}`;
    this.sha = createHash("sha1").update(this.source).digest("hex");
  }

  async run(client: RedisClient, args: ReadonlyArray<string | number>): Promise<unknown> {
    const options = { keys: [], arguments: args.map(String) };
    try {
      return await client.evalSha(this.sha, options);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return client.eval(this.source, options);
    }
  }
}

/** A script's table reply as strings (Redis sends Lua numbers as integers, strings as text). */
export function replyFields(reply: unknown): string[] {
  if (!Array.isArray(reply)) return [String(reply)];
  return reply.map((field: unknown) => String(field));
}
