import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { RetentionPruner } from "../../src/history/retention-pruner.js";
import { MessageFlags, Permission, type FakeChannel, type StoredMessage } from "../fakes/discord/index.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

/** Discord's Manage Server bit, which the fixture's roles do not hand out. */
const manageGuild = 1n << 5n;

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

  it("lets Manage Server look up a member with /history-of, and refuses that to anyone else at run time", async () => {
    harness = await startBotHarness();
    const { discord } = harness;
    const bob = discord.users.bob;
    await seedResults(harness, bob.id, 2, discord.guild.id);

    const asAdmin = discord.invokeSlash({
      name: "history-of",
      user: discord.users.mod,
      options: { member: bob.id },
      memberPermissions: Permission.manageChannels | Permission.manageMessages | manageGuild,
    });
    const shown = await asAdmin.waitForReply((message) => message.content.includes("2 in all"));
    expect(shown.flags & MessageFlags.ephemeral).toBeTruthy();
    expect(shown.content).toContain(`<@${bob.id}>'s generations`);

    // The moderator role (Manage Channels and Manage Messages, not Manage Server) is refused, even
    // when an admin made the command visible to it.
    for (const user of [discord.users.mod, discord.users.alice]) {
      const attempt = discord.invokeSlash({ name: "history-of", user, options: { member: bob.id } });
      const refused = await attempt.reply();
      expect(refused.content).toMatch(/Manage Server/);
      expect(refused.content).not.toContain("castle");
    }
  });

  it("keeps another member's prompts from someone who moderates only one channel (issue 13 item 7)", async () => {
    harness = await startBotHarness({
      discord: {
        guilds: (world) => {
          const lounge: FakeChannel = {
            id: "1300000000000000001",
            name: "lounge",
            type: 0,
            nsfw: false,
            parentId: null,
            position: 3,
            overwrites: [
              {
                id: world.users.alice.id,
                type: 1,
                allow: Permission.manageChannels | Permission.manageMessages,
                deny: 0n,
              },
            ],
          };
          return [{ ...world.guild, channels: [...world.guild.channels, lounge] }];
        },
      },
    });
    const { discord } = harness;
    const { alice, bob } = discord.users;
    await seedResults(harness, bob.id, 2, discord.guild.id);

    // Typed in #lounge, where alice holds Manage Messages, about bob's results from #general.
    const asked = discord.invokeSlash({
      name: "history",
      user: alice,
      channelId: "1300000000000000001",
      options: { member: bob.id },
    });
    const answer = await asked.waitForReply((message) => !(message.flags & MessageFlags.loading));
    expect(answer.content).not.toContain("castle");
    expect(answer.content).not.toContain(`<@${bob.id}>`);
    // Nor does a paging button made up for bob's history: it is answered with a refusal, not a page.
    const page = discord.clickButton({ message: answer, customId: `history:0:${bob.id}`, user: alice });
    const ack = await page.ack();
    expect(ack.type).toBe(4);
    expect(String(ack.data?.["content"])).not.toContain("castle");
  });

  it("offers /history without a member option, and the lookup as /history-of for Manage Server only", async () => {
    harness = await startBotHarness();
    const commands = harness.discord.commands();
    const history = commands.find((command) => command["name"] === "history");
    expect(history?.["options"] ?? []).toEqual([]);
    const historyOf = commands.find((command) => command["name"] === "history-of");
    expect(historyOf?.["default_member_permissions"]).toBe(String(manageGuild));
    expect(historyOf?.["options"]).toEqual([
      expect.objectContaining({ name: "member", type: 6, required: true }),
    ]);
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
