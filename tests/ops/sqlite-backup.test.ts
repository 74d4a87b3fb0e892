import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OpsError, type OpsErrorCode } from "../../src/ops/ops-error.js";
import { backupDatabase, dataFileName, restoreDatabase } from "../../src/ops/sqlite-backup.js";
import { openSqlite } from "../../src/ops/sqlite-connection.js";
import type { Storage } from "../../src/storage/storage.js";
import { OpenedStorages } from "../storage/support/temp-storage.js";
import { oldJob, writeOldFormatFile } from "../storage/support/old-format.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "comfycord-ops-"));
}

/** Records under test: named strings in the meta store, the simplest kind the bot keeps. */
async function openStore(dataDir: string) {
  const store = await storages.open({ dataDir });
  return {
    store,
    records: {
      set: async (key: string, value: string) => store.meta.set(key, value),
      get: async (key: string) => store.meta.get(key),
    },
  };
}

async function closeStore(store: Storage) {
  await storages.close(store);
}

function withCode(code: OpsErrorCode) {
  return (error: unknown) => error instanceof OpsError && error.code === code;
}

describe("backing up and restoring the store", () => {
  it("restores exactly what was stored when the backup ran, taken while the store was open", async () => {
    const liveDir = tempDir();
    const { store, records } = await openStore(liveDir);
    await records.set("a", "alice-20");
    await records.set("b", "bob-30");
    const backupFile = path.join(tempDir(), "nested", "snapshot.sqlite");

    const result = await backupDatabase(path.join(liveDir, dataFileName), backupFile);
    expect(result.file).toBe(backupFile);
    expect(result.bytes).toBeGreaterThan(0);

    await records.set("c", "carol-40");
    await records.set("b", "bob-99");
    expect(await records.get("c")).toEqual("carol-40");
    await closeStore(store);

    const restoredDir = tempDir();
    const restored = await restoreDatabase(backupFile, path.join(restoredDir, dataFileName));
    expect(restored).toMatchObject({ previousFile: undefined, records: 2 });

    const reopened = await openStore(restoredDir);
    expect(await reopened.records.get("a")).toEqual("alice-20");
    expect(await reopened.records.get("b")).toEqual("bob-30");
    expect(await reopened.records.get("c")).toBeUndefined();
  });

  it("refuses to overwrite an existing backup file and leaves it as it was", async () => {
    const liveDir = tempDir();
    const { records } = await openStore(liveDir);
    await records.set("a", "alice-20");
    const backupFile = path.join(tempDir(), "taken.sqlite");
    writeFileSync(backupFile, "precious");

    await expect(backupDatabase(path.join(liveDir, dataFileName), backupFile)).rejects.toSatisfy(
      withCode("destination_exists"),
    );
    expect(readFileSync(backupFile, "utf8")).toBe("precious");
  });

  it("reports a missing source database instead of creating an empty one", async () => {
    const dir = tempDir();
    const source = path.join(dir, dataFileName);
    await expect(backupDatabase(source, path.join(dir, "out.sqlite"))).rejects.toSatisfy(
      withCode("source_missing"),
    );
    expect(existsSync(source)).toBe(false);
    expect(existsSync(path.join(dir, "out.sqlite"))).toBe(false);
  });

  it("refuses to restore while a bot holds DATA_DIR, naming its pid", async () => {
    const liveDir = tempDir();
    await openStore(liveDir);
    const backupFile = path.join(tempDir(), "snapshot.sqlite");
    await backupDatabase(path.join(liveDir, dataFileName), backupFile);
    await expect(restoreDatabase(backupFile, path.join(liveDir, dataFileName))).rejects.toThrow(
      `"${liveDir}" is in use by a bot (pid ${process.pid}). Stop the bot, then restore.`,
    );
  });

  it("restores a backup of the old data format, which the bot converts when it opens it", async () => {
    const backupFile = path.join(tempDir(), "old.sqlite");
    await writeOldFormatFile(backupFile, [
      { key: "jobs:waiting", value: oldJob({ id: "waiting", seq: 1, state: "queued" }) },
      { key: "meta:commands-hash:global", value: "h" },
    ]);
    const liveDir = tempDir();
    expect(await restoreDatabase(backupFile, path.join(liveDir, dataFileName))).toMatchObject({ records: 2 });
    const { store } = await openStore(liveDir);
    expect((await store.jobs.loadOpen()).jobs.map((job) => job.id)).toEqual(["waiting"]);
  });

  it("refuses to restore over a data file the bot still has open", async () => {
    const liveDir = tempDir();
    const { records } = await openStore(liveDir);
    await records.set("a", "alice-20");
    const backupFile = path.join(tempDir(), "snapshot.sqlite");
    await backupDatabase(path.join(liveDir, dataFileName), backupFile);
    await records.set("b", "bob-30");

    await expect(restoreDatabase(backupFile, path.join(liveDir, dataFileName))).rejects.toSatisfy(
      withCode("database_in_use"),
    );
    expect(await records.get("b")).toEqual("bob-30");
  });

  it("keeps the replaced data file, with its last writes, beside the restored one", async () => {
    const liveDir = tempDir();
    const { store, records } = await openStore(liveDir);
    await records.set("a", "alice-20");
    const backupFile = path.join(tempDir(), "snapshot.sqlite");
    await backupDatabase(path.join(liveDir, dataFileName), backupFile);
    await records.set("b", "bob-30");
    await closeStore(store);

    const dataFile = path.join(liveDir, dataFileName);
    const result = await restoreDatabase(backupFile, dataFile, () => new Date("2026-03-04T05:06:07.890Z"));
    expect(result.previousFile).toBe(`${dataFile}.before-restore-2026-03-04T05-06-07Z`);

    const reopened = await openStore(liveDir);
    expect(await reopened.records.get("b")).toBeUndefined();
    const previousDir = tempDir();
    await restoreDatabase(result.previousFile!, path.join(previousDir, dataFileName));
    const previous = await openStore(previousDir);
    expect(await previous.records.get("b")).toEqual("bob-30");
  });

  it("rejects a file that is not SQLite, or SQLite without comfycord's tables, and keeps the data file", async () => {
    const liveDir = tempDir();
    const { store, records } = await openStore(liveDir);
    await records.set("a", "alice-20");
    await closeStore(store);
    const dataFile = path.join(liveDir, dataFileName);
    const before = readFileSync(dataFile);

    const junk = path.join(tempDir(), "junk.sqlite");
    writeFileSync(junk, "this is not a database ".repeat(100));
    await expect(restoreDatabase(junk, dataFile)).rejects.toSatisfy(withCode("invalid_backup"));

    const otherDb = path.join(tempDir(), "other.sqlite");
    writeFileSync(otherDb, "");
    const other = await openSqlite(otherDb, "read-write");
    await other.run("CREATE TABLE notes(body TEXT)");
    await other.close();
    await expect(restoreDatabase(otherDb, dataFile)).rejects.toSatisfy(withCode("invalid_backup"));

    expect(readFileSync(dataFile).equals(before)).toBe(true);
    const reopened = await openStore(liveDir);
    expect(await reopened.records.get("a")).toEqual("alice-20");
  });
});
