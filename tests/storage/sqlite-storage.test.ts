import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStorage } from "../../src/storage/open-storage.js";
import { StorageOpenError } from "../../src/storage/storage-error.js";
import { queuedJob, resultEntry, settingsRecord, deliveredJob } from "../support/stored-records.js";
import {
  OpenedStorages,
  capturingLogger,
  dataFile,
  plantRows,
  rawConnection,
  silent,
  tempDataDir,
} from "./support/temp-storage.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describe("the SQLite storage", () => {
  it("creates a missing data folder and a file with WAL, incremental auto-vacuum and the current schema version", async () => {
    const dataDir = path.join(tempDataDir(), "nested", "data");
    const storage = await storages.open({ dataDir });
    expect(storage.location).toBe(dataFile(dataDir));
    const raw = await rawConnection(dataDir);
    try {
      expect(await raw.all("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
      expect(await raw.all("PRAGMA auto_vacuum")).toEqual([{ auto_vacuum: 2 }]);
      expect(await raw.all("PRAGMA user_version")).toEqual([{ user_version: 2 }]);
    } finally {
      await raw.close();
    }
  });

  it("keeps every kind of record across a close and reopen", async () => {
    const dataDir = tempDataDir();
    const first = await storages.open({ dataDir });
    await first.jobs.insert(queuedJob({ id: "waiting", seq: 1 }));
    await first.jobs.save(deliveredJob({ id: "done", seq: 2 }));
    await first.results.record(resultEntry({ messageId: "m1", createdAt: 5 }));
    await first.rates.save("alice", [Date.now()], Date.now() + 60_000);
    await first.settings.set("channel:c1", settingsRecord("g1", 12));
    await first.meta.set("commands-hash:global", "abc");
    await first.eta.save({ version: 1, entries: { k: [1, 2, 3, 4] } });
    await storages.close(first);

    const second = await storages.open({ dataDir });
    expect((await second.jobs.loadOpen()).jobs.map((job) => job.id)).toEqual(["waiting"]);
    expect((await second.jobs.get("done"))?.state).toBe("delivered");
    expect(await second.jobs.maxSeq()).toBe(2);
    expect((await second.results.get("m1"))?.createdAt).toBe(5);
    expect(await second.rates.hits("alice")).toHaveLength(1);
    expect(await second.settings.channelsOf("g1")).toEqual([["c1", settingsRecord("g1", 12)]]);
    expect(await second.meta.get("commands-hash:global")).toBe("abc");
    expect(await second.eta.load()).toEqual({ version: 1, entries: { k: [1, 2, 3, 4] } });
    expect(await second.ping()).toBe(true);
  });

  it("refuses a DATA_DIR that is a file, saying what to do", async () => {
    const file = path.join(tempDataDir(), "not-a-dir");
    writeFileSync(file, "x");
    const opening = openStorage({ dataDir: file, logger: silent });
    await expect(opening).rejects.toThrow(StorageOpenError);
    await expect(opening).rejects.toThrow(/DATA_DIR ".*not-a-dir" is not a writable folder/);
  });

  it("refuses a data file written by a newer version and leaves it untouched", async () => {
    const dataDir = tempDataDir();
    await plantRows(dataDir, [{ sql: "PRAGMA user_version = 99", params: [] }]);
    await expect(openStorage({ dataDir, logger: silent })).rejects.toThrow(/written by a newer comfycord/);
    const raw = await rawConnection(dataDir);
    expect(await raw.all("PRAGMA user_version")).toEqual([{ user_version: 99 }]);
    await raw.close();
  });

  it("refuses a data file that is not SQLite, naming it", async () => {
    const dataDir = tempDataDir();
    writeFileSync(
      dataFile(dataDir),
      "this is not a database, but it is long enough to have a header ".repeat(10),
    );
    await expect(openStorage({ dataDir, logger: silent })).rejects.toThrow(
      /comfycord\.sqlite" cannot be opened/,
    );
  });

  it("reads a settings, meta or ETA record that is not JSON or not valid as absent, and logs which", async () => {
    const dataDir = tempDataDir();
    await plantRows(dataDir, [
      { sql: "INSERT INTO keyv (key, value) VALUES ('settings:guild:g1', '{broken')", params: [] },
      {
        sql: "INSERT INTO keyv (key, value) VALUES ('settings:channel:c1', ?)",
        params: [JSON.stringify({ value: { guildId: "g1", settings: { maxSteps: "many" } } })],
      },
      { sql: "INSERT INTO keyv (key, value) VALUES ('meta:comfy-client-id:x', ?)", params: ['{"value":42}'] },
      {
        sql: "INSERT INTO keyv (key, value) VALUES ('queue-eta:eta', ?)",
        params: ['{"value":{"version":7}}'],
      },
    ]);
    const { logger, lines } = capturingLogger();
    const storage = await storages.open({ dataDir, logger });
    expect(await storage.settings.get("guild:g1")).toBeUndefined();
    expect(await storage.settings.get("channel:c1")).toBeUndefined();
    expect(await storage.settings.channelsOf("g1")).toEqual([]);
    expect(await storage.meta.get("comfy-client-id:x")).toBeUndefined();
    expect(await storage.eta.load()).toBeUndefined();
    const logged = lines.filter(
      (line) => line.msg === "a stored record cannot be read back; treating it as absent",
    );
    expect(logged.map((line) => line.key)).toEqual(
      expect.arrayContaining(["guild:g1", "channel:c1", "comfy-client-id:x", "eta"]),
    );
    // Writing a good record over a bad one repairs it.
    await storage.settings.set("guild:g1", settingsRecord("g1", 3));
    expect(await storage.settings.get("guild:g1")).toEqual(settingsRecord("g1", 3));
  });

  it("keeps a set-aside job in the set_aside table for an operator, and forgets it with its member", async () => {
    const dataDir = tempDataDir();
    await plantRows(dataDir, [
      {
        sql: "INSERT INTO jobs (id, seq, user_id, guild_id, state, job) VALUES ('bad', 1, 'alice', 'g1', 'queued', 'nope')",
        params: [],
      },
    ]);
    const { logger, lines } = capturingLogger();
    const storage = await storages.open({ dataDir, logger });
    expect((await storage.jobs.loadOpen()).setAside).toEqual([
      { id: "bad", reason: expect.stringMatching(/not JSON/) },
    ]);
    expect(
      lines.some((line) => String(line.msg).startsWith("set aside a stored job") && line.jobId === "bad"),
    ).toBe(true);
    const raw = await rawConnection(dataDir);
    try {
      expect(await raw.all("SELECT source, record_id, user_id, data FROM set_aside")).toEqual([
        { source: "jobs", record_id: "bad", user_id: "alice", data: "nope" },
      ]);
      await storage.jobs.forgetUser("alice");
      expect(await raw.all("SELECT count(*) AS n FROM set_aside")).toEqual([{ n: 0 }]);
    } finally {
      await raw.close();
    }
  });

  it("serves the queue's queries from indexes, not table scans", async () => {
    const dataDir = tempDataDir();
    const storage = await storages.open({ dataDir });
    const finishedAt = Date.UTC(2026, 10, 29, 12);
    await storage.jobs.save(deliveredJob({ id: "done", finishedAt }));
    await storage.results.record(resultEntry({ messageId: "m1", createdAt: finishedAt }));
    const raw = await rawConnection(dataDir);
    const plan = async (sql: string) =>
      (
        await raw.all<{ detail: string }>(
          `EXPLAIN QUERY PLAN ${sql}`,
          ...sql
            .split("?")
            .slice(1)
            .map(() => 1),
        )
      )
        .map((row) => row.detail)
        .join("; ");
    try {
      expect(await plan("SELECT id, job FROM jobs ORDER BY seq")).toMatch(/USING INDEX jobs_by_seq/);
      expect(await plan("DELETE FROM jobs WHERE user_id = ?")).toMatch(/USING .*INDEX jobs_by_user/);
      expect(await plan("DELETE FROM jobs_finished_20261129 WHERE user_id = ?")).toMatch(
        /jobs_finished_20261129_by_user/,
      );
      expect(await plan("SELECT max(seq) FROM jobs_finished_20261129")).toMatch(
        /jobs_finished_20261129_by_seq/,
      );
      expect(await plan("SELECT rowid FROM jobs_finished_20261129 WHERE finished_at < ? LIMIT ?")).toMatch(
        /jobs_finished_20261129_by_finished_at/,
      );
      expect(await plan("SELECT job FROM jobs_finished_20261129 WHERE id = ?")).toMatch(
        /USING INDEX sqlite_autoindex/,
      );
      expect(
        await plan(
          "SELECT message_id, created_at, entry FROM results_20261129 WHERE user_id = ? AND guild_id = ? ORDER BY created_at DESC",
        ),
      ).toMatch(/USING INDEX results_20261129_by_member/);
      expect(await plan("SELECT rowid FROM results_20261129 WHERE created_at < ? LIMIT ?")).toMatch(
        /results_20261129_by_created_at/,
      );
      expect(await plan("SELECT user_id FROM rate_limits WHERE expires_at <= ? LIMIT ?")).toMatch(
        /rate_limits_by_expiry/,
      );
    } finally {
      await raw.close();
    }
  });

  it("keeps finished jobs and results in a table per day, and drops a whole day past retention", async () => {
    const dataDir = tempDataDir();
    const storage = await storages.open({ dataDir });
    const dayOne = Date.UTC(2026, 10, 1, 23, 59);
    const dayTwo = Date.UTC(2026, 10, 2, 0, 1);
    await storage.jobs.save(deliveredJob({ id: "one", seq: 1, finishedAt: dayOne }));
    await storage.jobs.save(deliveredJob({ id: "two", seq: 2, finishedAt: dayTwo }));
    await storage.jobs.insert(queuedJob({ id: "waiting", seq: 3 }));
    const tables = async () => {
      const raw = await rawConnection(dataDir);
      try {
        return (
          await raw.all<{ name: string }>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'jobs%' ORDER BY name",
          )
        ).map((row) => row.name);
      } finally {
        await raw.close();
      }
    };
    expect(await tables()).toEqual(["jobs", "jobs_finished_20261101", "jobs_finished_20261102"]);
    // Statements over every day, prepared and kept, do not stand in the way of dropping one.
    expect((await storage.jobs.get("one"))?.id).toBe("one");
    expect(await storage.jobs.maxSeq()).toBe(3);
    expect(await storage.jobs.pruneFinished(Date.UTC(2026, 10, 2))).toBe(1);
    expect(await storage.jobs.get("one")).toBeUndefined();
    expect(await tables()).toEqual(["jobs", "jobs_finished_20261102"]);
    expect(await storage.jobs.maxSeq()).toBe(3);
    expect((await storage.jobs.get("two"))?.id).toBe("two");
  });
});
