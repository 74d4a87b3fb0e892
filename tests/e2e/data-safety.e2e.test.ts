import path from "node:path";
import sqlite3 from "sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { dataFileName } from "../../src/storage/open-storage.js";
import { MessageFlags } from "../fakes/discord/index.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { hasPng } from "./support/message-checks.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A second connection holding the data file's write lock, as another process could. */
async function holdWriteLock(file: string): Promise<{ release: () => Promise<void> }> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(opened)));
  });
  const run = (sql: string) =>
    new Promise<void>((resolve, reject) => db.run(sql, (error) => (error ? reject(error) : resolve())));
  await run("BEGIN IMMEDIATE");
  return {
    release: async () => {
      await run("ROLLBACK");
      await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

describe("data safety end to end", () => {
  it("tells the member their job could not be saved while the data file is locked, and keeps nothing of it", async () => {
    harness = await startBotHarness({ busyTimeoutMs: 300 });
    const { discord, core, storage } = harness;
    const lock = await holdWriteLock(path.join(harness.dataDir, dataFileName));
    const refused = discord.invokeSlash({ name: "generate", options: { prompt: "a lighthouse at dusk" } });
    const answer = await refused.reply();
    await lock.release();
    expect(answer.flags & MessageFlags.ephemeral).toBe(MessageFlags.ephemeral);
    expect(answer.content).toBe("Couldn't save your job — please try again in a moment.");
    expect(core.queue.jobsOf(discord.users.alice.id)).toEqual([]);
    expect((await storage.jobs.loadOpen()).jobs).toEqual([]);

    // Once the file is free again the same request goes through, and its rate-limit slot was not used up.
    const accepted = discord.invokeSlash({ name: "generate", options: { prompt: "a lighthouse at dusk" } });
    expect((await accepted.reply()).content).toMatch(/Queued/);
    await accepted.waitForReply(hasPng, 15_000);
    expect(await storage.rates.hits(discord.users.alice.id)).toHaveLength(1);
  });
});
