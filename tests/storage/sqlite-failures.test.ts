import { execFileSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { StorageError, StorageOpenError } from "../../src/storage/storage-error.js";
import type { Storage } from "../../src/storage/storage.js";
import { bindReadOnly, canMount, isRoot, mountTmpfs, type Mounted } from "./support/mounts.js";
import { queuedJob, resultEntry, settingsRecord } from "../support/stored-records.js";
import { OpenedStorages, dataFile, rawConnection, silent, tempDataDir } from "./support/temp-storage.js";
import KeyvSqlite from "@keyv/sqlite";
import { openStorage } from "../../src/storage/open-storage.js";
import { KeyvSettingsStore } from "../../src/storage/sqlite/keyv-stores.js";
import { SqliteDatabase } from "../../src/storage/sqlite/sqlite-database.js";
import { SqliteJobStore } from "../../src/storage/sqlite/sqlite-job-store.js";

const storages = new OpenedStorages();
const mounts: Mounted[] = [];
afterEach(async () => {
  await storages.closeAll();
  for (const mount of mounts.splice(0).reverse()) mount.unmount();
});

const busy = { name: "StorageError", failure: "busy" };

/** One write through every port, each expected to reject the same way. */
function everyWrite(storage: Storage, tag: string): Array<[string, () => Promise<unknown>]> {
  return [
    ["jobs.insert", async () => storage.jobs.insert(queuedJob({ id: `job-${tag}` }))],
    ["jobs.save", async () => storage.jobs.save(queuedJob({ id: `saved-${tag}` }))],
    ["rates.save", async () => storage.rates.save(`user-${tag}`, [1], Date.now() + 60_000)],
    [
      "results.record",
      async () => storage.results.record(resultEntry({ messageId: `m-${tag}`, createdAt: 1 })),
    ],
    ["settings.set", async () => storage.settings.set(`guild:${tag}`, settingsRecord(tag, 10))],
    ["meta.set", async () => storage.meta.set(`key-${tag}`, "value")],
    ["eta.save", async () => storage.eta.save({ version: 1, entries: {} })],
  ];
}

describe("a write while another connection holds the write lock", () => {
  it("waits out the busy timeout, then rejects on every port with a busy StorageError and stores nothing", async () => {
    const dataDir = tempDataDir();
    const storage = await storages.open({ dataDir, busyTimeoutMs: 250 });
    const other = await rawConnection(dataDir);
    await other.run("BEGIN IMMEDIATE");
    try {
      for (const [name, write] of everyWrite(storage, "locked")) {
        const started = performance.now();
        await expect(write(), name).rejects.toMatchObject(busy);
        expect(performance.now() - started, name).toBeGreaterThanOrEqual(200);
      }
      // Reads go on in WAL mode while another connection writes.
      expect(await storage.jobs.get("job-locked")).toBeUndefined();
    } finally {
      await other.run("ROLLBACK");
      await other.close();
    }
    expect(await storage.meta.get("key-locked")).toBeUndefined();
    expect(await storage.rates.hits("user-locked")).toEqual([]);
    for (const [name, write] of everyWrite(storage, "free"))
      await expect(write(), name).resolves.not.toThrow();
  });

  it("leaves nothing half-run behind: writes after a busy failure are committed for everyone to see", async () => {
    const dataDir = tempDataDir();
    const storage = await storages.open({ dataDir, busyTimeoutMs: 150 });
    const other = await rawConnection(dataDir);
    await other.run("BEGIN IMMEDIATE");
    await expect(storage.jobs.insert(queuedJob({ id: "refused" }))).rejects.toMatchObject(busy);
    await other.run("ROLLBACK");
    // Once the lock is free, the next writes must land and be visible to another connection at once:
    // a statement left half-run after the failure would keep them in a transaction never committed.
    await storage.rates.save("member", [1], Date.now() + 60_000);
    await storage.jobs.insert(queuedJob({ id: "after" }));
    await storage.jobs.save({ ...queuedJob({ id: "after" }), requeues: 1 });
    const seen = await other.all<{ user_id: string }>("SELECT user_id FROM rate_limits");
    expect(seen.map((row) => row.user_id)).toEqual(["member"]);
    const jobs = await other.all<{ id: string }>("SELECT id FROM jobs");
    expect(jobs.map((row) => row.id)).toEqual(["after"]);
    await other.close();
  });

  it("lands once the lock is released within the busy timeout", async () => {
    const dataDir = tempDataDir();
    const storage = await storages.open({ dataDir, busyTimeoutMs: 5000 });
    const other = await rawConnection(dataDir);
    await other.run("BEGIN IMMEDIATE");
    const insert = storage.jobs.insert(queuedJob({ id: "waited" }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await other.run("COMMIT");
    await other.close();
    await insert;
    expect((await storage.jobs.get("waited"))?.id).toBe("waited");
  });
});

describe("a storage that is closed", () => {
  it("rejects every read and write instead of answering absent or done", async () => {
    const storage = await storages.open({ dataDir: tempDataDir() });
    await storages.close(storage);
    const reads: Array<[string, () => Promise<unknown>]> = [
      ["jobs.get", async () => storage.jobs.get("x")],
      ["jobs.loadOpen", async () => storage.jobs.loadOpen()],
      ["jobs.maxSeq", async () => storage.jobs.maxSeq()],
      ["rates.hits", async () => storage.rates.hits("u")],
      ["results.get", async () => storage.results.get("m")],
      ["results.page", async () => storage.results.page({ userId: "u", guildId: "g", offset: 0, limit: 5 })],
      ["settings.get", async () => storage.settings.get("guild:g")],
      ["settings.channelsOf", async () => storage.settings.channelsOf("g")],
      ["meta.get", async () => storage.meta.get("k")],
      ["eta.load", async () => storage.eta.load()],
    ];
    for (const [name, call] of [...reads, ...everyWrite(storage, "closed")]) {
      await expect(call(), name).rejects.toThrow(StorageError);
    }
    expect(await storage.ping()).toBe(false);
  });
});

describe("a full disk", () => {
  it.skipIf(!canMount())(
    "rejects a write it could not store with a StorageError on a full small file system, and every write it accepted survives a restart",
    async () => {
      const mount = mountTmpfs(768);
      mounts.push(mount);
      const storage = await storages.open({ dataDir: mount.dir });
      const accepted: string[] = [];
      let failure: unknown;
      for (let index = 0; index < 2000 && failure === undefined; index++) {
        const job = {
          ...queuedJob({ id: `job-${index}`, seq: index + 1 }),
          params: { prompt: "x".repeat(4000) },
        };
        try {
          await storage.jobs.insert(job);
          accepted.push(job.id);
        } catch (error) {
          failure = error;
        }
      }
      expect(failure).toBeInstanceOf(StorageError);
      expect((failure as StorageError).failure).toMatch(/^(full|io)$/);
      expect(accepted.length).toBeGreaterThan(10);
      // A small record may still fit in space the file already has: then it is stored, and says so.
      const outcomes = new Map<string, "stored" | "refused">();
      for (const [name, write] of everyWrite(storage, "full")) {
        try {
          await write();
          outcomes.set(name, "stored");
        } catch (error) {
          expect(error, name).toBeInstanceOf(StorageError);
          outcomes.set(name, "refused");
        }
      }

      await storages.close(storage);
      // The operator frees space, and the bot starts again.
      execFileSync("mount", ["-o", "remount,size=4m", mount.dir]);
      const reopened = await storages.open({ dataDir: mount.dir });
      const { jobs } = await reopened.jobs.loadOpen();
      const ids = jobs.map((job) => job.id);
      expect(ids.filter((id) => id !== "job-full")).toEqual(accepted);
      expect(ids.includes("job-full")).toBe(outcomes.get("jobs.insert") === "stored");
      expect((await reopened.meta.get("key-full")) !== undefined).toBe(outcomes.get("meta.set") === "stored");
      expect((await reopened.results.get("m-full")) !== undefined).toBe(
        outcomes.get("results.record") === "stored",
      );
    },
  );

  it("rejects writes with a full StorageError once the file reaches its page limit, and stores nothing of them", async () => {
    // Without a mountable file system: SQLite's own size cap on the stores' connections.
    const dataDir = tempDataDir();
    const setup = await storages.open({ dataDir });
    await storages.close(setup);
    const db = await SqliteDatabase.open(dataFile(dataDir), { busyTimeoutMs: 1000 });
    const keyv = new KeyvSqlite({ uri: `sqlite://${dataFile(dataDir)}` });
    try {
      // No free pages left to fill: the next page a write needs is past the limit.
      await db.exec("VACUUM");
      const pages = (await db.get<{ page_count: number }>("PRAGMA page_count"))?.page_count ?? 0;
      await db.exec(`PRAGMA max_page_count = ${pages + 2}`);
      await keyv.query(`PRAGMA max_page_count = ${pages + 2}`);
      const jobs = new SqliteJobStore(db, silent);
      const settings = new KeyvSettingsStore(keyv, silent);
      const big = (index: number) => ({
        ...queuedJob({ id: `big-${index}`, seq: index }),
        params: { prompt: "x".repeat(20_000) },
      });
      await expect(jobs.insert(big(1))).rejects.toMatchObject({ name: "StorageError", failure: "full" });
      expect(await jobs.get("big-1")).toBeUndefined();
      const layer = {
        guildId: "g1",
        settings: {
          negativePrefix: "y".repeat(1000),
          bannedTerms: Array.from({ length: 400 }, (_, i) => `term-${i}-${"z".repeat(150)}`),
        },
      };
      await expect(settings.set("guild:g1", layer)).rejects.toMatchObject({
        name: "StorageError",
        failure: "full",
      });
      expect(await settings.get("guild:g1")).toBeUndefined();
    } finally {
      await keyv.disconnect();
      await db.close();
    }
  });
});

describe("a read-only data folder or file", () => {
  const readOnlyFolder = canMount() ? "a read-only mount" : isRoot ? undefined : "chmod 0555";
  it.skipIf(readOnlyFolder === undefined)(
    `refuses to start on a read-only data folder (${readOnlyFolder})`,
    async () => {
      let dataDir: string;
      if (canMount()) {
        const mount = mountTmpfs(64, { readOnly: true });
        mounts.push(mount);
        dataDir = mount.dir;
      } else {
        dataDir = tempDataDir();
        chmodSync(dataDir, 0o555);
      }
      const opening = openStorage({ dataDir, logger: silent });
      await expect(opening).rejects.toThrow(StorageOpenError);
      await expect(opening).rejects.toThrow(/is not a writable folder/);
    },
  );

  const readOnlyFile = canMount() ? "a read-only bind mount" : isRoot ? undefined : "chmod 0444";
  it.skipIf(readOnlyFile === undefined)(
    `refuses to start when the data file is read-only (${readOnlyFile}), and leaves the file as it was`,
    async () => {
      const dataDir = tempDataDir();
      const first = await storages.open({ dataDir });
      await first.meta.set("kept", "yes");
      await storages.close(first);
      if (canMount()) mounts.push(bindReadOnly(dataFile(dataDir)));
      else chmodSync(dataFile(dataDir), 0o444);

      await expect(openStorage({ dataDir, logger: silent })).rejects.toThrow(StorageOpenError);
      for (const mount of mounts.splice(0)) mount.unmount();
      chmodSync(dataFile(dataDir), 0o644);
      const again = await storages.open({ dataDir });
      expect(await again.meta.get("kept")).toBe("yes");
    },
  );
});
