import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dataFileName } from "../../src/storage/open-storage.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";
import { hasPng, reactedBy, textOf } from "./support/message-checks.js";

let redis: RedisServer;
const harnesses: BotHarness[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
});
afterEach(async () => {
  for (const harness of harnesses.splice(0).reverse()) await harness.close();
});
afterAll(async () => redis.stop());

describe("the bot with STORE_URL on Redis", () => {
  it("keeps its jobs there across a restart: running and waiting jobs reach their messages, and nothing is written to DATA_DIR", async () => {
    const before = await startBotHarness({ simulator: { stepMs: 350 }, storeUrl: `${redis.url}/1` });
    harnesses.push(before);
    dumpOnFailure(before);
    const { discord, sims } = before;
    const running = discord.invokeSlash({
      name: "generate",
      options: { prompt: "on redis", workflow: "sd15" },
    });
    await running.waitForReply((message) => /Running/.test(message.content), 10_000);
    const waiting = discord.invokeSlash({
      name: "generate",
      user: discord.users.bob,
      options: { prompt: "waiting on redis", workflow: "sd15" },
    });
    const waitingFirst = await waiting.reply();
    const runningFirst = await running.reply();
    await before.stopBot();

    const after = await startBotHarness({ reuse: before });
    harnesses.push(after);
    dumpOnFailure(after);
    const runningDone = await discord.waitForMessage(
      (message) => message.id === runningFirst.id && hasPng(message),
      15_000,
    );
    const waitingDone = await discord.waitForMessage(
      (message) => message.id === waitingFirst.id && hasPng(message),
      15_000,
    );
    expect(textOf(runningDone)).toContain("on redis");
    expect(textOf(waitingDone)).toContain("waiting on redis");
    expect(sims[0]!.stats.executions.filter((e) => e.outcome === "success")).toHaveLength(2);
    await discord.waitForMessage(
      (message) => message.id === waitingFirst.id && reactedBy(message, "🎲", discord.botUser.id),
    );
    // The result links are on Redis: /history finds both members' results there.
    const page = await after.storage.results.page({
      userId: discord.users.bob.id,
      guildId: discord.guild.id,
      offset: 0,
      limit: 5,
    });
    expect(page.entries.map((entry) => entry.messageId)).toEqual([waitingFirst.id]);
    expect(existsSync(path.join(before.dataDir, dataFileName))).toBe(false);
  });
});
