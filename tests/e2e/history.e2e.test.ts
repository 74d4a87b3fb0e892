import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { RetentionPruner } from "../../src/history/retention-pruner.js";
import { MessageFlags, type StoredMessage } from "../fakes/discord/index.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function customIds(message: StoredMessage): { id: string; disabled: boolean }[] {
  return message.components.flatMap((row) =>
    ((row["components"] ?? []) as Record<string, unknown>[]).map((button) => ({
      id: String(button["custom_id"]),
      disabled: button["disabled"] === true,
    })),
  );
}

let seededMessages = 1_000_000;

async function seedResults(
  h: BotHarness,
  userId: string,
  count: number,
  guildId: string,
  base = 1_700_000_000_000,
) {
  for (let index = 0; index < count; index++) {
    await h.core.results.record({
      messageId: String(++seededMessages),
      channelId: h.discord.channels.general.id,
      guildId,
      userId,
      jobId: `job-${index}`,
      workflow: "sd15",
      request: { prompt: `castle number ${index}` },
      params: { prompt: `castle number ${index}`, seed: 1000 + index },
      createdAt: base + index * 60_000,
    });
  }
}

describe("/history end to end", () => {
  it("pages the member's own results in this server, newest first, with links and seeds", async () => {
    harness = await startBotHarness();
    const { discord } = harness;
    const alice = discord.users.alice;
    await seedResults(harness, alice.id, 7, discord.guild.id);
    await seedResults(harness, discord.users.bob.id, 2, discord.guild.id);
    await seedResults(harness, alice.id, 3, "999999999999999999");

    const handle = discord.invokeSlash({ name: "history", user: alice });
    const first = await handle.waitForReply((message) => message.content.includes("page 1/2"));
    expect(first.flags & MessageFlags.ephemeral).toBeTruthy();
    expect(first.content).toContain("7 in all");
    const order = [...first.content.matchAll(/castle number (\d+)/g)].map((match) => Number(match[1]));
    expect(order).toEqual([6, 5, 4, 3, 2]);
    expect(first.content).toContain("seed `1006`");
    expect(first.content).toContain(
      `https://discord.com/channels/${discord.guild.id}/${discord.channels.general.id}/`,
    );
    expect(first.content).toMatch(/<t:\d+:R>/);
    expect(customIds(first)).toEqual([
      { id: `history:-1:${alice.id}`, disabled: true },
      { id: `history:1:${alice.id}`, disabled: false },
    ]);

    const click = discord.clickButton({ message: first, customId: `history:1:${alice.id}`, user: alice });
    expect((await click.ack()).type).toBe(6);
    const second = await discord.waitForMessage(
      (message) => message.id === first.id && message.content.includes("page 2/2"),
    );
    expect(second.content).toContain("page 2/2");
    expect([...second.content.matchAll(/castle number (\d+)/g)].map((match) => Number(match[1]))).toEqual([
      1, 0,
    ]);
    expect(customIds(second)).toEqual([
      { id: `history:0:${alice.id}`, disabled: false },
      { id: `history:2:${alice.id}`, disabled: true },
    ]);
  });

  it("lets a moderator look up a member, and refuses that to anyone else", async () => {
    harness = await startBotHarness();
    const { discord } = harness;
    const bob = discord.users.bob;
    await seedResults(harness, bob.id, 2, discord.guild.id);

    const asMod = discord.invokeSlash({
      name: "history",
      user: discord.users.mod,
      options: { member: bob.id },
    });
    const shown = await asMod.waitForReply((message) => message.content.includes("2 in all"));
    expect(shown.content).toContain(`<@${bob.id}>'s generations`);

    const asAlice = discord.invokeSlash({
      name: "history",
      user: discord.users.alice,
      options: { member: bob.id },
    });
    const refused = await asAlice.reply();
    expect(refused.content).toMatch(/Only moderators/);
    expect(refused.content).not.toContain("castle");
  });

  it("answers a 🎲 on a result retention has pruned with a short explanation", async () => {
    harness = await startBotHarness();
    const { discord, storage, core } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a quiet harbour", workflow: "sd15" },
    });
    const done = await handle.waitForReply((message) => message.attachments.length > 0, 15_000);
    await discord.waitForMessage(
      (message) => message.id === done.id && message.reactions.some((r) => r.emoji.name === "🎲"),
    );
    expect(await core.results.get(done.id)).toBeDefined();

    const later = Date.now() + 31 * 86_400_000;
    const pruner = new RetentionPruner({
      storage,
      retentionDays: 30,
      logger: pino({ level: "silent" }),
      now: () => later,
    });
    const counts = await pruner.runOnce();
    expect(counts.results).toBe(1);
    expect(counts.jobs).toBe(1);

    discord.react({ messageId: done.id, channelId: done.channelId, emoji: "🎲", user: discord.users.bob });
    const notice = await discord.waitForMessage((message) =>
      /can no longer be rerolled/.test(message.content),
    );
    expect(notice.content).toContain("30 days");
    expect(harness.sims[0]!.stats.executions.length).toBe(1);
  });
});
