import { afterEach, describe, expect, it } from "vitest";
import { jobsOfEveryState, resultEntry } from "../support/stored-records.js";
import { OpenedStorages, plantRows, rawConnection, tempDataDir } from "./support/temp-storage.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describe("forgetting one member on the SQLite file", () => {
  it("leaves no row anywhere in the file that carries their id, and every row of another member", async () => {
    const dataDir = tempDataDir();
    // A job of alice's that could not be read back sits in the set-aside table, as it would after a start.
    await plantRows(dataDir, [
      {
        sql: "INSERT INTO jobs (id, seq, user_id, guild_id, state, job) VALUES ('alice-broken', 99, 'alice', 'g1', 'queued', '{alice''s prompt')",
        params: [],
      },
    ]);
    const storage = await storages.open({ dataDir });
    await storage.jobs.loadOpen();
    for (const userId of ["alice", "bob"]) {
      for (const job of jobsOfEveryState(userId))
        await storage.jobs.save({ ...job, id: `${userId}-${job.id}` });
      await storage.results.record(resultEntry({ messageId: `${userId}-m1`, userId, createdAt: 1 }));
      await storage.results.record(
        resultEntry({ messageId: `${userId}-m2`, userId, guildId: "g2", createdAt: 2 }),
      );
      await storage.rates.save(userId, [Date.now()], Date.now() + 60_000);
    }

    expect(await storage.jobs.forgetUser("alice")).toBe(jobsOfEveryState().length);
    expect(await storage.results.forgetUser("alice")).toBe(2);
    expect(await storage.rates.forgetUser("alice")).toBe(true);

    const raw = await rawConnection(dataDir);
    try {
      const tables = await raw.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
      for (const { name } of tables) {
        const rows = await raw.all<Record<string, unknown>>(`SELECT * FROM ${name}`);
        const mentions = (who: string) => rows.filter((row) => JSON.stringify(row).includes(who)).length;
        expect(mentions("alice"), name).toBe(0);
        if (["jobs", "results", "rate_limits"].includes(name))
          expect(mentions("bob"), name).toBeGreaterThan(0);
      }
    } finally {
      await raw.close();
    }
  });
});
