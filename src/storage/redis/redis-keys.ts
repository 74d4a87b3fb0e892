/**
 * Every Redis key the storage uses, in one place: the stores, the Lua scripts (which build the
 * same names from the prefix they are given), the migration and the tests read them from here.
 *
 * All keys start with one prefix, `{comfycord}:` by default. The braces are a Redis Cluster hash
 * tag: every key then lives in one slot, so a script may touch any of them. (A plain Redis, the
 * supported set-up, ignores them.) Tests give each store a prefix of its own instead of flushing.
 *
 * Layout (P = prefix):
 * - `P job:<id>` hash: `json` (the job), `seq`, `user`, `guild`, `state`, `finishedAt` ("" while
 *   open), `rev` (one more at every write); which indexes hold it is decided by `jobIndexes`;
 * - `P jobs:seq` zset id → seq, every stored job (`maxSeq`);
 * - `P jobs:open` zset id → seq, open jobs (unfinished, or succeeded and not posted yet; start-up loads them in order);
 * - `P jobs:finished` zset id → finishedAt, closed jobs only (retention);
 * - `P jobs:waiting` set, and `P jobs:waiting:guild:<guild>` set: jobs waiting in line (admission);
 * - `P jobs:open:user:<user>` set: a member's unfinished jobs (admission);
 * - `P jobs:user:<user>` set: every job id of a member, set-aside ones included (`forgetUser`);
 * - `P jobs:set-aside:<id>` hash: `user`, `reason`, `data`, `at`, a job that could not be read;
 * - `P jobs:indexes-version` string: the `jobIndexesVersion` the indexes were built with;
 * - `P jobs:next-seq` string: the last seq handed out by `allocateSeq` (admission);
 * - `P result:<message>` hash: `json`, `user`, `guild`, `createdAt`;
 * - `P results:member:<user>:<guild>` zset message → createdAt (`/history` pages);
 * - `P results:user:<user>` set of message ids; `P results:created` zset message → createdAt;
 * - `P rate:<user>` string: `{"hits":[…],"expiresAt":…}` with a TTL; `P rates:expiry` zset;
 * - `P settings:<key>`, `P meta:<key>`, `P queue-eta:eta`: Keyv records (JSON, Keyv's format);
 * - `P settings-channels:<guild>` set: a server's channel ids with settings records;
 * - `P lease:<name>` string `<holder> <fence>` with a TTL; `P lease:<name>:fence` counter;
 * - `P outputs:<job>` string: a succeeded job's output files until they are posted (JSON, base64);
 * - `P events` stream: every job change (the job as stored, its revision, member and announcement)
 *   and live progress, trimmed to the last few thousand entries; `P events:n` counts entries;
 * - `P preview:<job>` string: the latest preview image of a running job (base64, short TTL);
 * - `P runs:to-stop` list: prompts of jobs cancelled by any process, for the conductor to stop;
 * - `P conductor:status` string: the conductor's published line, ETAs and hosts (JSON, short TTL);
 * - `P input:<owner>/<id>` string: a picture a job starts from (JSON, base64); `P inputs:owner:<owner>`
 *   set and `P inputs:kept` zset ref → kept at, for `/forget-me` and retention.
 */
export const defaultKeyPrefix = "{comfycord}:";

export class RedisKeys {
  readonly prefix: string;

  constructor(prefix: string = defaultKeyPrefix) {
    this.prefix = prefix;
  }

  job(id: string): string {
    return `${this.prefix}job:${id}`;
  }

  outputs(jobId: string): string {
    return `${this.prefix}outputs:${jobId}`;
  }
  get jobsBySeq(): string {
    return `${this.prefix}jobs:seq`;
  }
  get openJobs(): string {
    return `${this.prefix}jobs:open`;
  }
  get finishedJobs(): string {
    return `${this.prefix}jobs:finished`;
  }
  get waitingJobs(): string {
    return `${this.prefix}jobs:waiting`;
  }
  waitingIn(guildId: string): string {
    return `${this.prefix}jobs:waiting:guild:${guildId}`;
  }
  openJobsOf(userId: string): string {
    return `${this.prefix}jobs:open:user:${userId}`;
  }
  jobsOf(userId: string): string {
    return `${this.prefix}jobs:user:${userId}`;
  }
  setAsideJob(id: string): string {
    return `${this.prefix}jobs:set-aside:${id}`;
  }
  get jobIndexesVersion(): string {
    return `${this.prefix}jobs:indexes-version`;
  }
  get nextSeq(): string {
    return `${this.prefix}jobs:next-seq`;
  }
  result(messageId: string): string {
    return `${this.prefix}result:${messageId}`;
  }
  resultsOfMember(userId: string, guildId: string): string {
    return `${this.prefix}results:member:${userId}:${guildId}`;
  }
  resultsOf(userId: string): string {
    return `${this.prefix}results:user:${userId}`;
  }
  get resultsByCreation(): string {
    return `${this.prefix}results:created`;
  }
  rate(userId: string): string {
    return `${this.prefix}rate:${userId}`;
  }
  get rateExpiry(): string {
    return `${this.prefix}rates:expiry`;
  }
  /** The Keyv namespace of a key-value port; Keyv adds `:<key>`. */
  keyvNamespace(name: "settings" | "meta" | "queue-eta"): string {
    return `${this.prefix}${name}`;
  }
  settingsChannelsOf(guildId: string): string {
    return `${this.prefix}settings-channels:${guildId}`;
  }
  lease(name: string): string {
    return `${this.prefix}lease:${name}`;
  }
  leaseFence(name: string): string {
    return `${this.prefix}lease:${name}:fence`;
  }
  get events(): string {
    return `${this.prefix}events`;
  }
  preview(jobId: string): string {
    return `${this.prefix}preview:${jobId}`;
  }
  get conductorStatus(): string {
    return `${this.prefix}conductor:status`;
  }
  /** A SCAN pattern matching every key that starts with the prefix and then `start`. */
  pattern(start = ""): string {
    return `${escapeGlob(this.prefix + start)}*`;
  }
}

/** Glob characters of SCAN's MATCH escaped, so a prefix like `{comfycord}:` matches as written. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
