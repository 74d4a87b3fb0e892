import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { OpsError, type OpsErrorCode } from "../../src/ops/ops-error.js";
import { backupDatabase, dataFileName, restoreDatabase } from "../../src/ops/sqlite-backup.js";
import { openSqlite } from "../../src/ops/sqlite-connection.js";
import { Store } from "../../src/store/store.js";

const logger = pino({ level: "silent" });
const jobSchema = z.object({ owner: z.string(), steps: z.int() });

const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map(async (store) => store.close()));
});

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "comfycord-ops-"));
}

async function openStore(dataDir: string) {
  const store = await Store.open({ dataDir, logger });
  open.push(store);
  return { store, jobs: store.collection("jobs", jobSchema) };
}

async function closeStore(store: Store) {
  open.splice(open.indexOf(store), 1);
  await store.close();
}

function withCode(code: OpsErrorCode) {
  return (error: unknown) => error instanceof OpsError && error.code === code;
}

describe("backing up and restoring the store", () => {
  it("restores exactly what was stored when the backup ran, taken while the store was open", async () => {
    const liveDir = tempDir();
    const { store, jobs } = await openStore(liveDir);
    await jobs.set("a", { owner: "alice", steps: 20 });
    await jobs.set("b", { owner: "bob", steps: 30 });
    const backupFile = path.join(tempDir(), "nested", "snapshot.sqlite");

    const result = await backupDatabase(path.join(liveDir, dataFileName), backupFile);
    expect(result.file).toBe(backupFile);
    expect(result.bytes).toBeGreaterThan(0);

    await jobs.set("c", { owner: "carol", steps: 40 });
    await jobs.set("b", { owner: "bob", steps: 99 });
    expect(await jobs.get("c")).toEqual({ owner: "carol", steps: 40 });
    await closeStore(store);

    const restoredDir = tempDir();
    const restored = await restoreDatabase(backupFile, path.join(restoredDir, dataFileName));
    expect(restored).toMatchObject({ previousFile: undefined, records: 2 });

    const reopened = await openStore(restoredDir);
    expect(await reopened.jobs.get("a")).toEqual({ owner: "alice", steps: 20 });
    expect(await reopened.jobs.get("b")).toEqual({ owner: "bob", steps: 30 });
    expect(await reopened.jobs.get("c")).toBeUndefined();
  });

  it("refuses to overwrite an existing backup file and leaves it as it was", async () => {
    const liveDir = tempDir();
    const { jobs } = await openStore(liveDir);
    await jobs.set("a", { owner: "alice", steps: 20 });
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

  it("refuses to restore over a data file the bot still has open", async () => {
    const liveDir = tempDir();
    const { jobs } = await openStore(liveDir);
    await jobs.set("a", { owner: "alice", steps: 20 });
    const backupFile = path.join(tempDir(), "snapshot.sqlite");
    await backupDatabase(path.join(liveDir, dataFileName), backupFile);
    await jobs.set("b", { owner: "bob", steps: 30 });

    await expect(restoreDatabase(backupFile, path.join(liveDir, dataFileName))).rejects.toSatisfy(
      withCode("database_in_use"),
    );
    expect(await jobs.get("b")).toEqual({ owner: "bob", steps: 30 });
  });

  it("keeps the replaced data file, with its last writes, beside the restored one", async () => {
    const liveDir = tempDir();
    const { store, jobs } = await openStore(liveDir);
    await jobs.set("a", { owner: "alice", steps: 20 });
    const backupFile = path.join(tempDir(), "snapshot.sqlite");
    await backupDatabase(path.join(liveDir, dataFileName), backupFile);
    await jobs.set("b", { owner: "bob", steps: 30 });
    await closeStore(store);

    const dataFile = path.join(liveDir, dataFileName);
    const result = await restoreDatabase(backupFile, dataFile, () => new Date("2026-03-04T05:06:07.890Z"));
    expect(result.previousFile).toBe(`${dataFile}.before-restore-2026-03-04T05-06-07Z`);

    const reopened = await openStore(liveDir);
    expect(await reopened.jobs.get("b")).toBeUndefined();
    const previousDir = tempDir();
    await restoreDatabase(result.previousFile!, path.join(previousDir, dataFileName));
    const previous = await openStore(previousDir);
    expect(await previous.jobs.get("b")).toEqual({ owner: "bob", steps: 30 });
  });

  it("rejects a file that is not SQLite, or SQLite without the keyv table, and keeps the data file", async () => {
    const liveDir = tempDir();
    const { store, jobs } = await openStore(liveDir);
    await jobs.set("a", { owner: "alice", steps: 20 });
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
    expect(await reopened.jobs.get("a")).toEqual({ owner: "alice", steps: 20 });
  });
});
