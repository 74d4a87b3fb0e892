import { afterEach, describe, expect, it } from "vitest";
import { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { StorageOpenError } from "../../src/storage/storage-error.js";
import type { Storage } from "../../src/storage/storage.js";
import { eventually } from "../support/eventually.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { queuedJob, resultEntry, settingsRecord } from "../support/stored-records.js";
import { RedisStorages } from "./support/redis-storages.js";
import { capturingLogger, silent } from "./support/temp-storage.js";

const redis = RedisStorages.forFile();
const ownServers: RedisServer[] = [];
afterEach(async () => {
  await redis.closeAll();
  await Promise.all(ownServers.splice(0).map(async (server) => server.stop()));
});

/** Every read and one write through every port: none may answer absent or done when it failed. */
function everyCall(storage: Storage, tag: string): Array<[string, () => Promise<unknown>]> {
  return [
    ["jobs.get", async () => storage.jobs.get("x")],
    ["jobs.loadOpen", async () => storage.jobs.loadOpen()],
    ["jobs.maxSeq", async () => storage.jobs.maxSeq()],
    ["jobs.insert", async () => storage.jobs.insert(queuedJob({ id: `job-${tag}` }))],
    ["jobs.save", async () => storage.jobs.save(queuedJob({ id: `saved-${tag}` }))],
    ["jobs.forgetUser", async () => storage.jobs.forgetUser("u1")],
    ["jobs.pruneFinished", async () => storage.jobs.pruneFinished(Date.now())],
    ["rates.hits", async () => storage.rates.hits("u")],
    ["rates.save", async () => storage.rates.save(`user-${tag}`, [1], Date.now() + 60_000)],
    ["rates.forgetUser", async () => storage.rates.forgetUser("u")],
    ["results.get", async () => storage.results.get("m")],
    ["results.page", async () => storage.results.page({ userId: "u", guildId: "g", offset: 0, limit: 5 })],
    [
      "results.record",
      async () => storage.results.record(resultEntry({ messageId: `m-${tag}`, createdAt: 1 })),
    ],
    ["results.remove", async () => storage.results.remove("m")],
    ["settings.get", async () => storage.settings.get("guild:g")],
    ["settings.channelsOf", async () => storage.settings.channelsOf("g")],
    ["settings.set", async () => storage.settings.set(`guild:${tag}`, settingsRecord(tag, 10))],
    ["settings.delete", async () => storage.settings.delete("guild:g")],
    ["meta.get", async () => storage.meta.get("k")],
    ["meta.set", async () => storage.meta.set(`key-${tag}`, "value")],
    ["meta.delete", async () => storage.meta.delete("k")],
    ["eta.load", async () => storage.eta.load()],
    ["eta.save", async () => storage.eta.save({ version: 1, entries: {} })],
    ["expireRateRecords", async () => storage.expireRateRecords(Date.now())],
  ];
}

describe("a Redis storage that is closed", () => {
  it("rejects every read and write with a closed StorageError instead of reconnecting", async () => {
    const storage = await redis.open();
    await redis.close(storage);
    for (const [name, call] of everyCall(storage, "closed")) {
      await expect(call(), name).rejects.toMatchObject({ name: "StorageError", failure: "closed" });
    }
    expect(await storage.ping()).toBe(false);
  });
});

describe("a Redis storage whose server went away", () => {
  it("rejects every read and write at once with a StorageError, and works again once Redis is back", async () => {
    const server = await startRedisServer();
    ownServers.push(server);
    const { logger, lines } = capturingLogger();
    const storage = await RedisStorage.open({ url: server.url, logger, keyPrefix: "{down}:" });
    await storage.meta.set("kept", "before");
    await server.stop();
    for (const [name, call] of everyCall(storage, "down")) {
      const started = performance.now();
      await expect(call(), name).rejects.toMatchObject({ name: "StorageError", failure: "io" });
      expect(performance.now() - started, name).toBeLessThan(1000);
    }
    expect(await storage.ping()).toBe(false);
    expect(lines.filter((line) => line["msg"] === "lost the connection to Redis; reconnecting")).toHaveLength(
      1,
    );

    ownServers.push(await startRedisServer([], { port: server.port }));
    await eventually(async () => storage.ping(), "the storage to reconnect");
    await storage.meta.set("after", "back");
    expect(await storage.meta.get("after")).toBe("back");
    expect(lines.some((line) => line["msg"] === "connected to Redis again")).toBe(true);
    await storage.close();
  });
});

describe("a Redis that is out of memory", () => {
  it("refuses writes with a full StorageError and keeps answering reads", async () => {
    const server = await startRedisServer(["--maxmemory", "1mb", "--maxmemory-policy", "noeviction"]);
    ownServers.push(server);
    const storage = await RedisStorage.open({ url: server.url, logger: silent, keyPrefix: "{oom}:" });
    await storage.meta.set("small", "fits");
    // Fill the server past its limit with data of no port's, in small values (a large one is
    // refused before it lands).
    const { client } = storage.connection;
    const blob = "x".repeat(10_000);
    let refused = false;
    for (let index = 0; index < 1000 && !refused; index++) {
      refused = await client.set(`filler:${index}`, blob).then(
        () => false,
        (error: Error) => error.message.startsWith("OOM"),
      );
    }
    expect(refused).toBe(true);
    await expect(storage.jobs.insert(queuedJob({ id: "no-room" }))).rejects.toMatchObject({
      failure: "full",
    });
    await expect(storage.meta.set("more", "no room")).rejects.toMatchObject({ failure: "full" });
    expect(await storage.meta.get("small")).toBe("fits");
    expect(await storage.jobs.get("no-room")).toBeUndefined();
    await storage.close();
  });
});

describe("opening a Redis storage", () => {
  it("fails with one line naming STORE_URL without its password when Redis cannot be reached", async () => {
    const server = await startRedisServer();
    await server.stop();
    const url = `redis://:hunter2-secret@127.0.0.1:${server.port}/3`;
    const opening = RedisStorage.open({ url, logger: silent });
    await expect(opening).rejects.toBeInstanceOf(StorageOpenError);
    await expect(opening).rejects.toThrow(
      `Redis at redis://127.0.0.1:${server.port}/3 (STORE_URL) cannot be reached`,
    );
    await expect(opening).rejects.not.toThrow(/hunter2/);
  });

  it("refuses a wrong password without repeating it, and shows the right one nowhere", async () => {
    const server = await startRedisServer(["--requirepass", "right-pass"]);
    ownServers.push(server);
    const wrong = RedisStorage.open({ url: `redis://:wrong-pass@127.0.0.1:${server.port}`, logger: silent });
    await expect(wrong).rejects.toBeInstanceOf(StorageOpenError);
    await expect(wrong).rejects.not.toThrow(/wrong-pass/);
    const storage = await RedisStorage.open({
      url: `redis://default:right-pass@127.0.0.1:${server.port}/2`,
      logger: silent,
    });
    expect(storage.location).toBe(`redis://127.0.0.1:${server.port}/2`);
    await storage.meta.set("k", "v");
    expect(await storage.meta.get("k")).toBe("v");
    await storage.close();
  });
});
