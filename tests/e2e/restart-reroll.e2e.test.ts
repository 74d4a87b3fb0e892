import { afterEach, describe, expect, it } from "vitest";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";
import { hasPng, pngOf, reactedBy, seedOf, textOf } from "./support/message-checks.js";

const harnesses: BotHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0).reverse()) await harness.close();
});

describe("after a bot restart", () => {
  it("rerolls a result posted before the restart, which the new client has never cached", async () => {
    const before = await startBotHarness();
    harnesses.push(before);
    const { discord, sims } = before;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "an old map", workflow: "sd15" },
    });
    const done = await handle.waitForReply(hasPng, 15_000);
    await discord.waitForMessage(
      (message) => message.id === done.id && reactedBy(message, "🎲", discord.botUser.id),
    );
    await before.stopBot();

    const after = await startBotHarness({ reuse: before });
    harnesses.push(after);
    expect(after.bot.client.channels.cache.get(done.channelId)).toBeDefined();
    const cachedMessages = after.bot.client.channels.cache.get(done.channelId);
    expect(cachedMessages?.isTextBased() && cachedMessages.messages.cache.has(done.id)).toBe(false);

    discord.react({ messageId: done.id, channelId: done.channelId, emoji: "🎲", user: discord.users.bob });
    const link = `https://discord.com/channels/${discord.guild.id}/${done.channelId}/${done.id}`;
    const reroll = await discord.waitForMessage(
      (message) => message.id !== done.id && message.content.includes(link) && hasPng(message),
      15_000,
    );
    expect(sims[0]!.stats.executions).toHaveLength(2);
    expect(seedOf(reroll)).not.toBe(seedOf(done));
    expect(Buffer.compare(pngOf(reroll)!.bytes, pngOf(done)!.bytes)).not.toBe(0);
    // The prompt came from the stored result index, not from the (uncached) message.
    expect(JSON.stringify(reroll.embeds)).toContain("an old map");
  });

  it("delivers jobs that were running or waiting in ComfyUI at the restart to their original messages", async () => {
    // Each job takes ~2.8 s; the harness gives running prompts 2 s before it detaches.
    const before = await startBotHarness({ simulator: { stepMs: 350 } });
    harnesses.push(before);
    const { discord, sims } = before;
    const running = discord.invokeSlash({
      name: "generate",
      options: { prompt: "started before", workflow: "sd15" },
    });
    await running.waitForReply((message) => /Running/.test(message.content), 10_000);
    const staged = discord.invokeSlash({
      name: "generate",
      user: discord.users.bob,
      options: { prompt: "staged before", workflow: "sd15" },
    });
    const stagedFirst = await staged.reply();
    const runningFirst = await running.reply();
    await before.stopBot();
    expect(hasPng(await running.reply())).toBe(false);

    const after = await startBotHarness({ reuse: before });
    harnesses.push(after);
    dumpOnFailure(after);
    const runningDone = await discord.waitForMessage(
      (message) => message.id === runningFirst.id && hasPng(message),
      15_000,
    );
    const stagedDone = await discord.waitForMessage(
      (message) => message.id === stagedFirst.id && hasPng(message),
      15_000,
    );
    expect(textOf(runningDone)).toContain("started before");
    expect(textOf(stagedDone)).toContain("staged before");
    // Reattached, not run again.
    expect(sims[0]!.stats.executions.filter((e) => e.outcome === "success")).toHaveLength(2);
    // No stray second message for either job.
    const results = discord.messages.all.filter((message) => hasPng(message));
    expect(results.map((message) => message.id).sort()).toEqual([runningFirst.id, stagedFirst.id].sort());
    await discord.waitForMessage(
      (message) => message.id === stagedFirst.id && reactedBy(message, "🎲", discord.botUser.id),
    );
  });
});
