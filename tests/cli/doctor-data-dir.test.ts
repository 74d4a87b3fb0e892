import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkDataDir } from "../../src/cli/doctor/check-data-dir.js";
import { DoctorReport } from "../../src/cli/doctor/doctor-report.js";
import { queuedJob, deliveredJob } from "../support/stored-records.js";
import { OpenedStorages, plantRows, silent, tempDataDir } from "../storage/support/temp-storage.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

async function check(dataDir: string) {
  const lines: string[] = [];
  const report = new DoctorReport((line) => lines.push(line));
  await checkDataDir(dataDir, "/", silent, report);
  return { lines, report };
}

describe("doctor's data folder check", () => {
  it("passes a new folder and says the data file comes with the first start", async () => {
    const dataDir = path.join(tempDataDir(), "data");
    const { lines, report } = await check(dataDir);
    expect(lines).toEqual([
      `✓ data folder writable (${path.join(dataDir, "comfycord.sqlite")})`,
      "– data file (not created yet: the bot creates it when it first starts)",
    ]);
    expect(report.failures).toBe(0);
  });

  it("reads the file beside a running bot without taking its lock, and names the bot's pid", async () => {
    const dataDir = tempDataDir();
    const bot = await storages.open({ dataDir });
    await bot.jobs.insert(queuedJob({ id: "a", seq: 1 }));
    await bot.jobs.save(deliveredJob({ id: "b", seq: 2 }));
    const { lines } = await check(dataDir);
    expect(lines.slice(1)).toEqual([
      `    note: a bot is running on this folder (pid ${process.pid})`,
      "✓ data file readable: 2 jobs (1 unfinished), 0 result links",
    ]);
    // The bot still writes after doctor's read.
    await bot.jobs.insert(queuedJob({ id: "c", seq: 3 }));
  });

  it("warns about set-aside records and says how to look at them", async () => {
    const dataDir = tempDataDir();
    await plantRows(dataDir, [
      {
        sql: "INSERT INTO set_aside (source, record_id, reason, set_aside_at) VALUES ('jobs', 'x', 'not JSON', 1)",
        params: [],
      },
    ]);
    const { lines, report } = await check(dataDir);
    expect(lines).toContain("⚠ 1 stored records could not be read back and were set aside");
    expect(lines.some((line) => line.includes("SELECT source, record_id, reason FROM set_aside"))).toBe(true);
    expect(report.warnings).toBe(1);
  });

  it("fails a data file from a newer version, and a folder that is a file", async () => {
    const dataDir = tempDataDir();
    await plantRows(dataDir, [{ sql: "PRAGMA user_version = 42", params: [] }]);
    const newer = await check(dataDir);
    expect(newer.lines).toContain(
      "✗ data file written by a newer comfycord (format 42, this version reads 2)",
    );

    const file = path.join(tempDataDir(), "not-a-folder");
    writeFileSync(file, "x");
    const notFolder = await check(file);
    expect(notFolder.lines[0]).toBe(`✗ data folder unusable: ${file}`);
    expect(notFolder.report.failures).toBe(1);
  });
});
