import { pino } from "pino";
import { conductorLeaseName } from "../../scale/conductor-lease.js";
import { RedisConnection, type RedisClient } from "../../storage/redis/redis-connection.js";
import { RedisLease } from "../../storage/redis/redis-lease.js";
import { redactRedisUrl } from "../../storage/redis/redis-url.js";
import type { DoctorReport } from "./doctor-report.js";

/** The oldest Redis whose scripts the storage can run (`#!lua` flags came with 7.0). */
const minimumMajor = 7;

/**
 * The Redis STORE_URL names, as the bot needs it: reachable, new enough, persistent (AOF or RDB
 * snapshots: without either a Redis restart loses every job) and never evicting keys
 * (`maxmemory-policy noeviction`: any other policy may drop jobs when memory runs short). Reads
 * only; a managed Redis that refuses CONFIG gets a warning to check its settings by hand.
 */
export async function checkRedis(url: string, report: DoctorReport, timeoutMs = 5000): Promise<void> {
  const location = redactRedisUrl(url);
  let connection: RedisConnection;
  try {
    connection = await RedisConnection.open({
      url,
      logger: pino({ level: "silent" }),
      clientName: "comfycord-doctor",
      connectTimeoutMs: timeoutMs,
      commandTimeoutMs: timeoutMs,
    });
  } catch (error) {
    report.fail(`Redis unreachable: ${(error as Error).message}`, [
      "start Redis, or fix STORE_URL (host, port, database, password; rediss:// for TLS)",
    ]);
    report.skip("Redis persistence and eviction policy", "Redis is unreachable");
    return;
  }
  try {
    const { client } = connection;
    const version = /redis_version:(\S+)/.exec(await client.info("server"))?.[1] ?? "unknown";
    const major = Number(version.split(".")[0]);
    if (Number.isFinite(major) && major < minimumMajor) {
      report.fail(`Redis ${version} at ${location} is too old`, `run Redis ${minimumMajor} or newer`);
    } else {
      report.ok(`Redis reachable at ${location} (Redis ${version})`);
    }
    await checkConfig(client, report);
    const jobs = await client.zCard(connection.keys.jobsBySeq);
    const open = await client.zCard(connection.keys.openJobs);
    report.ok(`Redis holds ${jobs} jobs (${open} open) under ${connection.keys.prefix}`);
    // Which bot process sends prompts to ComfyUI now (several may share this Redis).
    const lease = await new RedisLease(connection, conductorLeaseName).current();
    report.note(
      lease
        ? `the conductor lease is held by ${lease.holder} (fence ${lease.fence})`
        : "nobody holds the conductor lease: no bot is running, or one is taking over",
    );
  } finally {
    await connection.close();
  }
}

async function checkConfig(client: RedisClient, report: DoctorReport): Promise<void> {
  let config: Record<string, string>;
  try {
    const read = await client.configGet(["appendonly", "save", "maxmemory-policy"]);
    config = Object.fromEntries(Object.entries(read).map(([key, value]) => [key, String(value)]));
  } catch (error) {
    report.warn(`cannot read Redis's settings (CONFIG GET: ${(error as Error).message})`, [
      "check them in your provider's console: persistence (AOF) on, maxmemory-policy noeviction",
    ]);
    return;
  }
  const aof = config["appendonly"] === "yes";
  const snapshots = (config["save"] ?? "").trim();
  if (aof || snapshots !== "") {
    const how = [aof ? "append-only file" : "", snapshots === "" ? "" : `snapshots (save ${snapshots})`];
    report.ok(`Redis persistence on: ${how.filter(Boolean).join(" and ")}`);
  } else {
    report.fail("Redis persistence off: a Redis restart would lose every job, setting and limit", [
      'set "appendonly yes" in redis.conf (or CONFIG SET appendonly yes, then CONFIG REWRITE)',
    ]);
  }
  const policy = config["maxmemory-policy"] ?? "unknown";
  if (policy === "noeviction") {
    report.ok("Redis eviction policy noeviction: a full Redis refuses writes instead of dropping data");
  } else {
    report.fail(`Redis maxmemory-policy is ${policy}: when memory runs short Redis may drop the bot's jobs`, [
      'set "maxmemory-policy noeviction" in redis.conf (or CONFIG SET maxmemory-policy noeviction, then CONFIG REWRITE)',
    ]);
  }
}
