import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pidFileName } from "../../src/storage/data-dir-lock.js";
import { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { dataFileName, openStorage } from "../../src/storage/open-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { keysOf } from "./support/redis-storages.js";
import { silent, tempDataDir } from "./support/temp-storage.js";

let server: RedisServer | undefined;
const opened: Storage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map(async (storage) => storage.close()));
  await server?.stop();
});

describe("opening the storage STORE_URL names", () => {
  it("puts every port on Redis and leaves DATA_DIR untouched, so two processes can share it", async () => {
    server = await startRedisServer();
    const dataDir = tempDataDir();
    const store = { kind: "redis" as const, url: `${server.url}/4` };
    const first = await openStorage({ dataDir, store, logger: silent });
    const second = await openStorage({ dataDir, store, logger: silent });
    opened.push(first, second);
    expect(first.location).toBe(`redis://127.0.0.1:${server.port}/4`);
    await first.meta.set("commands-hash:global", "from the first");
    expect(await second.meta.get("commands-hash:global")).toBe("from the first");
    expect(existsSync(path.join(dataDir, dataFileName))).toBe(false);
    expect(existsSync(path.join(dataDir, pidFileName))).toBe(false);
    // Under the default prefix, in the database the URL names.
    expect(first).toBeInstanceOf(RedisStorage);
    if (!(first instanceof RedisStorage)) return;
    const { client } = first.connection;
    expect(await keysOf(client, "*")).toEqual([
      "{comfycord}:jobs:indexes-version",
      "{comfycord}:meta:commands-hash:global",
    ]);
    const names = (await client.clientList()).map((entry) => entry.name);
    expect(names.filter((name) => name === "comfycord")).toHaveLength(2);
  });
});
