import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runBackupCommand } from "../../src/cli/backup-command.js";
import { runRestoreCommand } from "../../src/cli/restore-command.js";
import { OpenedStorages } from "../storage/support/temp-storage.js";

const now = () => new Date("2026-11-22T00:10:20.300Z");

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

/** A project folder with no config file (defaults apply) and DATA_DIR relative to it. */
function project() {
  const cwd = mkdtempSync(path.join(tmpdir(), "comfycord-cli-"));
  const out: string[] = [];
  const err: string[] = [];
  const context = {
    env: { DATA_DIR: "state" },
    cwd,
    now,
    io: { print: (line: string) => out.push(line), printError: (line: string) => err.push(line) },
  };
  return { cwd, out, err, context, dataDir: path.join(cwd, "state") };
}

describe("npm run backup", () => {
  it("writes DATA_DIR/backups/comfycord-<time>.sqlite by default and refuses to write it twice", async () => {
    const { context, out, err, dataDir } = project();
    const store = await storages.open({ dataDir });
    await store.meta.set("a", "alice");

    expect(await runBackupCommand({ ...context, argv: [] })).toBe(0);
    const expected = path.join(dataDir, "backups", "comfycord-2026-11-22T00-10-20Z.sqlite");
    expect(existsSync(expected)).toBe(true);
    expect(out.join("\n")).toContain(expected);
    expect(err).toEqual([]);

    expect(await runBackupCommand({ ...context, argv: [] })).toBe(1);
    expect(err.join("\n")).toMatch(/Backup failed: .*already exists/);
  });

  it("deletes its own copies older than retention.backupDays after a good backup, and nothing else", async () => {
    const { context, out, dataDir } = project();
    await storages.open({ dataDir });
    const folder = path.join(dataDir, "backups");
    mkdirSync(folder, { recursive: true });
    // now() is 2026-11-22T00:10:20Z and the default keeps 14 days.
    const old = path.join(folder, "comfycord-2026-11-07T23-59-59Z.sqlite");
    const recent = path.join(folder, "comfycord-2026-11-08T00-10-21Z.sqlite");
    const operatorsOwn = path.join(folder, "before-upgrade.sqlite");
    for (const file of [old, recent, operatorsOwn]) writeFileSync(file, "copy");

    expect(await runBackupCommand({ ...context, argv: [] })).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(operatorsOwn)).toBe(true);
    expect(out.join("\n")).toContain("Deleted 1 backup(s) older than 14 days (retention.backupDays).");
  });

  it("keeps every old copy when the backup itself fails", async () => {
    const { context, err, dataDir } = project();
    const folder = path.join(dataDir, "backups");
    mkdirSync(folder, { recursive: true });
    const old = path.join(folder, "comfycord-2020-01-01T00-00-00Z.sqlite");
    writeFileSync(old, "copy");
    // No database in DATA_DIR: the backup fails before anything is pruned.
    expect(await runBackupCommand({ ...context, argv: [] })).toBe(1);
    expect(err.join("\n")).toMatch(/no database/);
    expect(existsSync(old)).toBe(true);
  });

  it("writes where --out says, relative to the working folder", async () => {
    const { context, cwd, dataDir } = project();
    await storages.open({ dataDir });
    expect(await runBackupCommand({ ...context, argv: ["--out", "copies/one.sqlite"] })).toBe(0);
    expect(existsSync(path.join(cwd, "copies", "one.sqlite"))).toBe(true);
  });

  it("copies the kept input pictures beside the data copy; restore on another machine brings them back", async () => {
    const from = project();
    const store = await storages.open({ dataDir: from.dataDir });
    const picture = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const ref = await store.inputs.keep("1234", { bytes: picture, contentType: "image/png" });
    const copy = path.join(from.dataDir, "backups", "comfycord-2026-11-22T00-10-20Z.sqlite");

    expect(await runBackupCommand({ ...from.context, argv: [] })).toBe(0);
    const pictures = path.join(from.dataDir, "backups", "comfycord-2026-11-22T00-10-20Z.inputs");
    expect(readdirSync(path.join(pictures, "1234"))).toEqual([`${ref.split("/")[1]}.png`]);
    expect(from.out.join("\n")).toContain(`and 1 input picture (7 B) to ${pictures}`);

    const to = project();
    expect(await runRestoreCommand({ ...to.context, argv: [copy] })).toBe(0);
    expect(to.out.join("\n")).toContain("Restored 1 input picture");
    const restored = await storages.open({ dataDir: to.dataDir });
    expect((await restored.inputs.load(ref))?.bytes).toEqual(picture);
  });

  it("deletes the pictures of an aged-out copy with it", async () => {
    const { context, out, dataDir } = project();
    await storages.open({ dataDir });
    const folder = path.join(dataDir, "backups");
    const old = path.join(folder, "comfycord-2026-11-07T23-59-59Z.inputs");
    mkdirSync(path.join(old, "1234"), { recursive: true });
    writeFileSync(path.join(old, "1234", "a.png"), "picture");
    writeFileSync(path.join(folder, "comfycord-2026-11-07T23-59-59Z.sqlite"), "copy");

    expect(await runBackupCommand({ ...context, argv: [] })).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(out.join("\n")).toContain("Deleted 1 backup(s) older than 14 days");
  });

  it("explains a bad flag with the usage and exit code 2", async () => {
    const { context, err } = project();
    expect(await runBackupCommand({ ...context, argv: ["--bogus"] })).toBe(2);
    expect(err.join("\n")).toContain("Usage: npm run backup");
  });
});

describe("npm run restore", () => {
  it("refuses while the bot has the store open, then restores once it is closed", async () => {
    const { context, out, err, dataDir } = project();
    const store = await storages.open({ dataDir });
    await store.meta.set("a", "alice");
    expect(await runBackupCommand({ ...context, argv: ["--out", "snap.sqlite"] })).toBe(0);
    await store.meta.set("b", "bob");

    expect(await runRestoreCommand({ ...context, argv: ["snap.sqlite"] })).toBe(1);
    expect(err.join("\n")).toMatch(/Restore failed: .*Stop the bot/);

    await storages.close(store);
    out.length = 0;
    expect(await runRestoreCommand({ ...context, argv: ["snap.sqlite"] })).toBe(0);
    expect(out.join("\n")).toMatch(/integrity ok, 1 record\b/);
    expect(out.join("\n")).toContain("comfycord.sqlite.before-restore-2026-11-22T00-10-20Z");

    const reopened = await storages.open({ dataDir });
    expect(await reopened.meta.get("a")).toBe("alice");
    expect(await reopened.meta.get("b")).toBeUndefined();
  });

  it("asks for exactly one backup file", async () => {
    const { context, err } = project();
    expect(await runRestoreCommand({ ...context, argv: [] })).toBe(2);
    expect(err.join("\n")).toContain("Usage: npm run restore");
  });
});
