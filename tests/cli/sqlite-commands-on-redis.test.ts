import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runBackupCommand } from "../../src/cli/backup-command.js";
import { runRestoreCommand } from "../../src/cli/restore-command.js";
import { collect, tempProject } from "./support/cli-fixtures.js";

const refusal = (command: string) =>
  `STORE_URL puts the data on Redis, so the SQLite file ${command} works on is not the bot's data. ` +
  "Back up Redis itself (its append-only file and snapshot: redis-cli BGSAVE, then copy dump.rdb), " +
  "or copy the data to SQLite first with comfycord migrate-store.";

describe("the SQLite file's commands when STORE_URL is Redis", () => {
  it("backup refuses and says how to back up Redis, writing no file", async () => {
    const cwd = tempProject();
    const out = collect();
    const env = { STORE_URL: "redis://127.0.0.1:6379/0", DATA_DIR: "data" };
    expect(await runBackupCommand({ argv: [], env, cwd, io: out.io })).toBe(1);
    expect(out.errors).toEqual([refusal("backup")]);
    expect(existsSync(path.join(cwd, "data", "backups"))).toBe(false);
  });

  it("restore refuses too, before touching any file", async () => {
    const cwd = tempProject();
    const out = collect();
    const env = { STORE_URL: "redis://127.0.0.1:6379/0", DATA_DIR: "data" };
    expect(await runRestoreCommand({ argv: ["old.sqlite"], env, cwd, io: out.io })).toBe(1);
    expect(out.errors).toEqual([refusal("restore")]);
  });
});
