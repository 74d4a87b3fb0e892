import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runMigrateStoreCommand } from "../../src/cli/migrate-store-command.js";
import type { EtaSnapshot } from "../../src/queue/eta-model.js";
import { dataFileName, openStorage } from "../../src/storage/open-storage.js";
import { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { jobsOfEveryState, resultEntry, settingsRecord } from "../support/stored-records.js";
import { silent, tempDataDir } from "../storage/support/temp-storage.js";
import { collect, tempProject } from "./support/cli-fixtures.js";

let server: RedisServer;
let nextDb = 0;
const opened: Storage[] = [];
beforeAll(async () => {
  server = await startRedisServer();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map(async (storage) => storage.close()));
});
afterAll(async () => server.stop());

/** A database of its own on the test server, for one test. */
function freshRedisUrl(): string {
  nextDb += 1;
  return `${server.url}/${nextDb}`;
}

const now = Date.now();
const eta: EtaSnapshot = { version: 1, entries: { "sdxl|1024x1024x1": [31_000, 1000, 12, now] } };

/** One record of every kind in every port, for two members. */
async function fill(storage: Storage): Promise<void> {
  for (const userId of ["alice", "bob"]) {
    for (const job of jobsOfEveryState(userId))
      await storage.jobs.save({ ...job, id: `${userId}-${job.id}` });
    // The image of the succeeded job waits to be posted.
    await storage.spool.keep(`${userId}-succeeded`, [
      {
        nodeId: "9",
        filename: `${userId}.png`,
        subfolder: "",
        type: "output",
        data: new Uint8Array([137, 80, 0, 255]),
      },
    ]);
    await storage.results.record(resultEntry({ messageId: `${userId}-m1`, userId, createdAt: now - 5000 }));
    await storage.results.record(
      resultEntry({ messageId: `${userId}-m2`, userId, guildId: "g2", createdAt: now }),
    );
    await storage.rates.save(userId, [now - 1000, now], now + 60_000);
  }
  await storage.rates.save("expired", [now - 120_000], now - 60_000);
  await storage.settings.set("guild:g1", settingsRecord("g1", 40));
  await storage.settings.set("channel:c1", settingsRecord("g1", 20));
  await storage.settings.set("channel:c9", settingsRecord("g2", 10));
  await storage.meta.set("commands-hash:global", "abc123");
  await storage.meta.set("comfy-client-id:http://gpu-a:8188", "client-1");
  await storage.eta.save(eta);
}

/** What the bot would read back from every port. */
async function contents(storage: Storage) {
  const ids = jobsOfEveryState().flatMap((job) => [`alice-${job.id}`, `bob-${job.id}`]);
  return {
    jobs: await Promise.all(ids.map(async (id) => storage.jobs.get(id))),
    open: (await storage.jobs.loadOpen()).jobs.map((job) => job.id),
    outputs: await Promise.all(
      ["alice", "bob"].map(async (userId) => storage.spool.load(`${userId}-succeeded`)),
    ),
    maxSeq: await storage.jobs.maxSeq(),
    pages: await Promise.all(
      ["g1", "g2"].map(async (guildId) =>
        storage.results.page({ userId: "alice", guildId, offset: 0, limit: 10 }),
      ),
    ),
    rates: [
      await storage.rates.hits("alice"),
      await storage.rates.hits("bob"),
      await storage.rates.hits("expired"),
    ],
    settings: [await storage.settings.get("guild:g1"), await storage.settings.channelsOf("g1")],
    meta: [
      await storage.meta.get("commands-hash:global"),
      await storage.meta.get("comfy-client-id:http://gpu-a:8188"),
    ],
    eta: await storage.eta.load(),
  };
}

async function migrate(argv: string[]) {
  const out = collect();
  const code = await runMigrateStoreCommand({ argv, env: {}, cwd: tempProject(), io: out.io });
  return { code, lines: out.lines, errors: out.errors };
}

describe("comfycord migrate-store", () => {
  it("copies every port's data from the SQLite file into Redis, and the bot reads it back the same", async () => {
    const dataDir = tempDataDir();
    const sqlite = await openStorage({ dataDir, logger: silent });
    await fill(sqlite);
    const expected = await contents(sqlite);
    await sqlite.close();

    const url = freshRedisUrl();
    const result = await migrate(["--from", `sqlite:${dataDir}`, "--to", url]);
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      `Copying sqlite:${dataDir} → ${url}`,
      "jobs: 16 (6 unfinished, 2 with images not posted yet)",
      "result links: 4",
      "rate-limit records: 2",
      "settings records: 3",
      "meta records: 2",
      "ETA averages: yes",
      "rate-limit records already expired, not copied: 1",
      `Done. Set STORE_URL=${url} (with its credentials) and start the bot.`,
    ]);
    const redis = await openStorage({ store: { kind: "redis", url }, logger: silent });
    opened.push(redis);
    expect(await contents(redis)).toEqual(expected);
  });

  it("copies Redis back into a new SQLite file the same way", async () => {
    const url = freshRedisUrl();
    const redis = await RedisStorage.open({ url, logger: silent });
    await fill(redis);
    const expected = await contents(redis);
    await redis.close();

    const dataDir = path.join(tempDataDir(), "new-data");
    const result = await migrate(["--from", url, "--to", `sqlite:${dataDir}`]);
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.lines.at(-1)).toBe(
      `Done. Unset STORE_URL (or set it to sqlite:) with DATA_DIR=${dataDir} and start the bot.`,
    );
    const sqlite = await openStorage({ dataDir, logger: silent });
    opened.push(sqlite);
    expect(await contents(sqlite)).toEqual(expected);
  });

  it("refuses a target that holds data unless --force, which replaces it (a data file is moved aside)", async () => {
    const url = freshRedisUrl();
    const redis = await RedisStorage.open({ url, logger: silent });
    await fill(redis);
    await redis.close();
    const dataDir = tempDataDir();
    const sqlite = await openStorage({ dataDir, logger: silent });
    await sqlite.meta.set("only-here", "old");
    await sqlite.close();

    const refused = await migrate(["--from", url, "--to", `sqlite:${dataDir}`]);
    expect(refused.code).toBe(1);
    expect(refused.errors).toEqual([
      `sqlite:${dataDir} already holds data: nothing was copied. Pass --force to replace it ` +
        "(a data file is moved aside, Redis keys under the bot's prefix are deleted).",
    ]);

    const forced = await migrate(["--from", url, "--to", `sqlite:${dataDir}`, "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.lines[0]).toMatch(
      /^--force: moved the old data file to .*comfycord\.sqlite\.before-migrate-/,
    );
    expect(readdirSync(dataDir).filter((name) => name.includes("before-migrate"))).toHaveLength(1);
    const after = await openStorage({ dataDir, logger: silent });
    opened.push(after);
    expect(await after.meta.get("only-here")).toBeUndefined();
    expect(await after.meta.get("commands-hash:global")).toBe("abc123");

    // And the other way: Redis holding data is emptied under the bot's prefix with --force.
    const back = await migrate(["--from", `sqlite:${dataDir}`, "--to", url]);
    expect(back.code).toBe(1);
    await after.close();
    opened.splice(0);
    const replaced = await migrate(["--from", `sqlite:${dataDir}`, "--to", url, "--force"]);
    expect(replaced.code).toBe(0);
    expect(replaced.lines[0]).toMatch(/^--force: deleted the \d+ keys it held\.$/);
  });

  it("refuses while a bot holds the SQLite folder, naming its pid, and copies nothing", async () => {
    const dataDir = tempDataDir();
    const bot = await openStorage({ dataDir, logger: silent });
    opened.push(bot);
    await bot.meta.set("k", "v");
    const url = freshRedisUrl();
    const result = await migrate(["--from", `sqlite:${dataDir}`, "--to", url]);
    expect(result.code).toBe(1);
    expect(result.errors).toEqual([
      `Another comfycord process (pid ${process.pid}) is already using DATA_DIR "${dataDir}": ` +
        "stop it first, or give this one its own DATA_DIR.",
    ]);
    const redis = await RedisStorage.open({ url, logger: silent });
    opened.push(redis);
    expect(await redis.meta.get("k")).toBeUndefined();
  });

  it("refuses while a bot is connected to the Redis, and leaves the data folder unlocked", async () => {
    const url = freshRedisUrl();
    const bot = await openStorage({ store: { kind: "redis", url }, logger: silent });
    opened.push(bot);
    const dataDir = tempDataDir();
    const result = await migrate(["--from", url, "--to", `sqlite:${dataDir}`]);
    expect(result.code).toBe(1);
    expect(result.errors[0]).toMatch(
      new RegExp(
        `^A bot is connected to ${url.replace(/[/.]/g, "\\$&")} \\(1 connection named "comfycord" in CLIENT LIST, from 127\\.0\\.0\\.1:\\d+\\): stop it first\\.$`,
      ),
    );
    expect(existsSync(path.join(dataDir, dataFileName))).toBe(false);
  });

  it("says what it expects when a side is missing, unknown or both are the same kind", async () => {
    expect((await migrate(["--to", "redis://h:6379"])).errors[0]).toBe("--from is missing");
    expect((await migrate(["--from", "mysql://x", "--to", "redis://h"])).code).toBe(2);
    const same = await migrate(["--from", "redis://a:6379", "--to", "redis://b:6379"]);
    expect(same.code).toBe(2);
    expect(same.errors[0]).toMatch(/^one side is SQLite and the other Redis/);
  });
});
