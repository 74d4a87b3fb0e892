import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runForgetCommand } from "../../src/cli/forget-command.js";
import { openStorage } from "../../src/storage/open-storage.js";
import { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { jobsOfEveryState, resultEntry, settingsRecord } from "../support/stored-records.js";
import { keysOf } from "../storage/support/redis-storages.js";
import { silent } from "../storage/support/temp-storage.js";

const alice = "111111111111111111";
const bob = "222222222222222222";
let server: RedisServer;
let db = 0;
const opened: Storage[] = [];
beforeAll(async () => {
  server = await startRedisServer();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map(async (storage) => storage.close()));
});
afterAll(async () => server.stop());

async function seeded(): Promise<string> {
  db += 1;
  const url = `${server.url}/${db}`;
  const storage = await RedisStorage.open({ url, logger: silent });
  for (const userId of [alice, bob]) {
    for (const job of jobsOfEveryState(userId))
      await storage.jobs.save({ ...job, id: `${userId}-${job.id}` });
    await storage.results.record(resultEntry({ messageId: `m${userId}`, userId, createdAt: Date.now() }));
    await storage.results.record(
      resultEntry({ messageId: `n${userId}`, userId, guildId: "g2", createdAt: 1 }),
    );
    await storage.rates.save(userId, [Date.now()], Date.now() + 60_000);
    await storage.inputs.keep(userId, { bytes: new Uint8Array([137, 80, 78, 71]), contentType: "image/png" });
  }
  await storage.settings.set("channel:c1", settingsRecord("g1", 10));
  await storage.close();
  return url;
}

async function forget(url: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runForgetCommand({
    argv: [alice],
    env: { STORE_URL: url },
    cwd: mkdtempSync(path.join(tmpdir(), "comfycord-forget-redis-")),
    io: { print: (line) => out.push(line), printError: (line) => err.push(line) },
  });
  return { code, out, err };
}

describe("npm run forget with STORE_URL on Redis", () => {
  it("deletes every record of the member and leaves no key or value naming them, and everything of others", async () => {
    const url = await seeded();
    const result = await forget(url);
    expect(result.err).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.out[0]).toBe(
      `Deleted for ${alice}: 8 job records (3 still waiting or running, which will not run), ` +
        "2 result links, 1 rate-limit records, 1 input pictures.",
    );
    const storage = await RedisStorage.open({ url, logger: silent });
    opened.push(storage);
    const { client } = storage.connection;
    for (const key of await keysOf(client, "*")) {
      expect(key).not.toContain(alice);
      const type = await client.type(key);
      const dump =
        type === "string"
          ? await client.get(key)
          : type === "hash"
            ? JSON.stringify(await client.hGetAll(key))
            : type === "set"
              ? JSON.stringify(await client.sMembers(key))
              : JSON.stringify(await client.zRange(key, 0, -1));
      expect(dump ?? "", key).not.toContain(alice);
    }
    expect((await storage.jobs.get(`${bob}-succeeded`))?.userId).toBe(bob);
    expect((await storage.results.page({ userId: bob, guildId: "g2", offset: 0, limit: 5 })).total).toBe(1);
    expect(await storage.rates.hits(bob)).toHaveLength(1);
  });

  it("refuses while a bot is connected to that Redis, pointing to /forget-me, and deletes nothing", async () => {
    const url = await seeded();
    const bot = await openStorage({ store: { kind: "redis", url }, logger: silent });
    opened.push(bot);
    const result = await forget(url);
    expect(result.code).toBe(1);
    expect(result.err[0]).toMatch(
      /^A bot is connected to redis:\/\/127\.0\.0\.1:\d+\/\d+ \(from 127\.0\.0\.1:\d+\) and would write this member's jobs back\. Ask them to use \/forget-me in Discord, or stop the bot and run this again\.$/,
    );
    expect((await bot.jobs.get(`${alice}-queued`))?.userId).toBe(alice);
  });
});
