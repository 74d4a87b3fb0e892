import { afterEach, describe, expect, it } from "vitest";
import { checkRedis } from "../../src/cli/doctor/check-redis.js";
import { DoctorReport } from "../../src/cli/doctor/doctor-report.js";
import { runDoctor } from "../../src/cli/doctor/run-doctor.js";
import { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { queuedJob, succeededJob } from "../support/stored-records.js";
import { silent } from "../storage/support/temp-storage.js";
import { tempProject } from "./support/cli-fixtures.js";

const servers: RedisServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(async (server) => server.stop()));
});

async function server(args: string[] = []): Promise<RedisServer> {
  const started = await startRedisServer(args);
  servers.push(started);
  return started;
}

async function check(url: string) {
  const lines: string[] = [];
  const report = new DoctorReport((line) => lines.push(line));
  await checkRedis(url, report, 2000);
  return { lines, report };
}

describe("doctor's Redis check", () => {
  it("passes a persistent Redis that never evicts, and counts the jobs it holds", async () => {
    const redis = await server([
      "--appendonly",
      "yes",
      "--save",
      "3600 1",
      "--maxmemory-policy",
      "noeviction",
    ]);
    const storage = await RedisStorage.open({ url: redis.url, logger: silent });
    await storage.jobs.insert(queuedJob({ id: "a", seq: 1 }));
    await storage.jobs.save(succeededJob({ id: "b", seq: 2 }));
    await storage.close();
    const { lines, report } = await check(redis.url);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^✓ Redis reachable at redis://127\\.0\\.0\\.1:${redis.port}/0 \\(Redis 7\\.`),
      ),
      "✓ Redis persistence on: append-only file and snapshots (save 3600 1)",
      "✓ Redis eviction policy noeviction: a full Redis refuses writes instead of dropping data",
      "✓ Redis holds 2 jobs (2 open) under {comfycord}:",
      "    note: nobody holds the conductor lease: no bot is running, or one is taking over",
    ]);
    expect(report.failures).toBe(0);
  });

  it("names the process holding the conductor lease", async () => {
    const redis = await server(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]);
    const storage = await RedisStorage.open({ url: redis.url, logger: silent });
    const grant = await storage.lease("conductor").acquire("vm:4242:abc123", 60_000);
    await storage.close();
    if (!grant.acquired) throw new Error("expected the lease");
    const { lines, report } = await check(redis.url);
    expect(lines.at(-1)).toBe(
      `    note: the conductor lease is held by vm:4242:abc123 (fence ${grant.fence})`,
    );
    expect(report.failures).toBe(0);
  });

  it("fails a Redis without persistence or with an evicting policy, each with its fix", async () => {
    const redis = await server(["--maxmemory-policy", "allkeys-lru"]);
    const { lines, report } = await check(`${redis.url}/3`);
    expect(lines.slice(1)).toEqual([
      "✗ Redis persistence off: a Redis restart would lose every job, setting and limit",
      '    fix: set "appendonly yes" in redis.conf (or CONFIG SET appendonly yes, then CONFIG REWRITE)',
      "✗ Redis maxmemory-policy is allkeys-lru: when memory runs short Redis may drop the bot's jobs",
      '    fix: set "maxmemory-policy noeviction" in redis.conf (or CONFIG SET maxmemory-policy noeviction, then CONFIG REWRITE)',
      "✓ Redis holds 0 jobs (0 open) under {comfycord}:",
      "    note: nobody holds the conductor lease: no bot is running, or one is taking over",
    ]);
    expect(report.failures).toBe(2);
  });

  it("warns when CONFIG is refused, as managed services do, and says what to check", async () => {
    const redis = await server(["--rename-command", "CONFIG", '""']);
    const { lines, report } = await check(redis.url);
    expect(lines[1]).toMatch(/^⚠ cannot read Redis's settings \(CONFIG GET: /);
    expect(lines[2]).toBe(
      "    fix: check them in your provider's console: persistence (AOF) on, maxmemory-policy noeviction",
    );
    expect(report.failures).toBe(0);
  });

  it("fails an unreachable Redis without showing its password, and skips the rest", async () => {
    const redis = await server();
    await redis.stop();
    const { lines, report } = await check(`redis://:s3cret@127.0.0.1:${redis.port}`);
    expect(lines[0]).toMatch(
      new RegExp(
        `^✗ Redis unreachable: Redis at redis://127\\.0\\.0\\.1:${redis.port}/0 \\(STORE_URL\\) cannot be reached`,
      ),
    );
    expect(lines.join("\n")).not.toContain("s3cret");
    expect(lines.at(-1)).toBe("– Redis persistence and eviction policy (Redis is unreachable)");
    expect(report.failures).toBe(1);
  });

  it("checks Redis instead of DATA_DIR when STORE_URL points at it", async () => {
    const redis = await server(["--appendonly", "yes"]);
    const lines: string[] = [];
    await runDoctor({
      env: { STORE_URL: redis.url, COMFY_URL: "http://127.0.0.1:9" },
      cwd: tempProject(),
      out: (line) => lines.push(line),
      timeoutMs: 1000,
    });
    expect(lines.some((line) => line.startsWith("✓ Redis reachable at "))).toBe(true);
    expect(lines).toContain("✓ Redis persistence on: append-only file");
    expect(lines.some((line) => line.includes("data folder"))).toBe(false);
  });
});
