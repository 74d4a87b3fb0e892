import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runForgetCommand } from "../../src/cli/forget-command.js";
import { jobsOfEveryState, resultEntry } from "../support/stored-records.js";
import { OpenedStorages } from "../storage/support/temp-storage.js";

const alice = "111111111111111111";
const bob = "222222222222222222";
const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

/** A project folder with no config file (defaults apply) and DATA_DIR relative to it. */
function project() {
  const cwd = mkdtempSync(path.join(tmpdir(), "comfycord-forget-"));
  const out: string[] = [];
  const err: string[] = [];
  const context = {
    env: { DATA_DIR: "state" },
    cwd,
    io: { print: (line: string) => out.push(line), printError: (line: string) => err.push(line) },
  };
  return { out, err, context, dataDir: path.join(cwd, "state") };
}

const picture = { bytes: new Uint8Array([255, 216, 255]), contentType: "image/jpeg" as const };
/** Each member's kept input picture, by member. */
const inputs = new Map<string, string>();

async function seed(dataDir: string) {
  const storage = await storages.open({ dataDir });
  for (const userId of [alice, bob]) {
    for (const job of jobsOfEveryState(userId))
      await storage.jobs.save({ ...job, id: `${userId}-${job.id}` });
    await storage.results.record(resultEntry({ messageId: `m${userId}`, userId, createdAt: Date.now() }));
    await storage.rates.save(userId, [Date.now()], Date.now() + 60_000);
    inputs.set(userId, await storage.inputs.keep(userId, picture));
  }
  return storage;
}

describe("npm run forget", () => {
  it("deletes one member's records with the bot stopped, says what went and that backups keep theirs", async () => {
    const { context, out, err, dataDir } = project();
    await storages.close(await seed(dataDir));

    expect(await runForgetCommand({ ...context, argv: [alice] })).toBe(0);
    expect(err).toEqual([]);
    expect(out[0]).toBe(
      `Deleted for ${alice}: 8 job records (3 still waiting or running, which will not run), ` +
        "1 result links, 1 rate-limit records, 1 input pictures.",
    );
    expect(out[1]).toMatch(/^Backups .* keep theirs until deleted\.$/);

    const storage = await storages.open({ dataDir });
    expect(await storage.jobs.get(`${alice}-queued`)).toBeUndefined();
    expect(await storage.results.get(`m${alice}`)).toBeUndefined();
    expect(await storage.rates.hits(alice)).toEqual([]);
    expect((await storage.jobs.get(`${bob}-succeeded`))?.userId).toBe(bob);
    expect(await storage.results.get(`m${bob}`)).toBeDefined();
    expect(await storage.inputs.load(inputs.get(alice)!)).toBeUndefined();
    expect(await storage.inputs.load(inputs.get(bob)!)).toEqual(picture);
  });

  it("refuses while a bot holds DATA_DIR, naming its pid and pointing to /forget-me, and deletes nothing", async () => {
    const { context, err, dataDir } = project();
    const bot = await seed(dataDir);
    expect(await runForgetCommand({ ...context, argv: [alice] })).toBe(1);
    expect(err).toEqual([
      `A bot (pid ${process.pid}) is running on DATA_DIR "${dataDir}" and would write this member's jobs back. ` +
        "Ask them to use /forget-me in Discord, or stop the bot and run this again.",
    ]);
    expect((await bot.jobs.get(`${alice}-queued`))?.userId).toBe(alice);
  });

  it("refuses anything but a user id, and a DATA_DIR without a database", async () => {
    const { context, err } = project();
    expect(await runForgetCommand({ ...context, argv: ["alice"] })).toBe(2);
    expect(err[0]).toMatch(/expected a Discord user id/);
    expect(await runForgetCommand({ ...context, argv: [alice] })).toBe(1);
    expect(err[1]).toMatch(/no database at/);
  });
});
