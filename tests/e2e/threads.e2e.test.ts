import { afterEach, describe, expect, it } from "vitest";
import type { InteractionHandle } from "../fakes/discord/index.js";
import { MessageFlags, type FakeChannel } from "../fakes/discord/index.js";
import type { SimulatorOptions } from "../../src/simulator/comfy-simulator.js";
import { eventually } from "../support/eventually.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const threadId = "1500000000000000001";

/**
 * The default world plus a private thread of #general made after the bot connected: the bot was
 * never told about it, so it is in no cache until the bot asks Discord for it.
 */
async function worldWithNewThread(
  thread: Partial<FakeChannel> = {},
  simulator: SimulatorOptions = {},
): Promise<BotHarness> {
  return startBotHarness({
    simulator,
    discord: {
      guilds: (world) => {
        const secret: FakeChannel = {
          id: threadId,
          name: "secret-thread",
          type: 12,
          nsfw: false,
          parentId: world.channels.general.id,
          position: 0,
          unannounced: true,
          ...thread,
        };
        return [{ ...world.guild, channels: [...world.guild.channels, secret] }];
      },
    },
  });
}

async function ephemeralText(handle: InteractionHandle): Promise<string> {
  const ack = await handle.ack();
  expect(Number(ack.data?.["flags"] ?? 0) & MessageFlags.ephemeral).toBe(MessageFlags.ephemeral);
  return String(ack.data?.["content"]);
}

async function moderate(h: BotHarness, options: Record<string, string>, subcommand = "set"): Promise<void> {
  const handle = h.discord.invokeSlash({ name: "settings", subcommand, options, user: h.discord.users.mod });
  expect(await ephemeralText(handle)).toMatch(/^Updated/);
}

describe("threads the bot was never told about (issue 13 item 8)", () => {
  it("apply their parent channel's banned terms and limits at admission", async () => {
    harness = await worldWithNewThread();
    await moderate(harness, { term: "dragon" }, "ban-term");
    await moderate(harness, { key: "maxSteps", value: "10" });
    const { discord, sims } = harness;

    const banned = discord.invokeSlash({
      name: "generate",
      channelId: threadId,
      options: { prompt: "a red dragon", workflow: "sd15" },
    });
    expect(await ephemeralText(banned)).toMatch(/not allowed/);
    const tooMany = discord.invokeSlash({
      name: "generate",
      channelId: threadId,
      options: { prompt: "a castle", workflow: "sd15", steps: 40 },
    });
    expect(await ephemeralText(tooMany)).toMatch(/Steps 40 is above this channel's limit of 10/);
    expect(harness.jobIds()).toEqual([]);
    expect(sims[0]!.stats.executions).toHaveLength(0);
  });

  it("hand the parent to dispatch, which stops a waiting job whose parent's rules changed", async () => {
    harness = await worldWithNewThread({}, { stepMs: 150 });
    const { discord, core } = harness;
    const { alice, bob } = discord.users;
    // Bob's two jobs take the host's running and staged slots, so alice's waits in line.
    for (const prompt of ["bob one", "bob two"]) {
      await discord
        .invokeSlash({ name: "generate", user: bob, options: { prompt, workflow: "sd15" } })
        .reply();
    }
    const waiting = discord.invokeSlash({
      name: "generate",
      user: alice,
      channelId: threadId,
      options: { prompt: "a castle in a thread", workflow: "sd15" },
    });
    await waiting.reply();
    const [jobId] = harness.jobIds(alice.id);
    expect(core.queue.get(jobId!)?.state).toBe("queued");

    await moderate(harness, { term: "castle" }, "ban-term");
    await eventually(() => core.queue.get(jobId!)?.state === "failed", "alice's job stopped at dispatch", {
      timeoutMs: 10_000,
    });
    const failed = await waiting.waitForReply((message) =>
      /rules of this channel changed/.test(message.content),
    );
    expect(failed.content).toMatch(/contains a term that is not allowed/);
  });

  it("apply their parent channel's rules to a 🎲 reroll too", async () => {
    harness = await worldWithNewThread();
    const { discord, sims } = harness;
    const made = discord.invokeSlash({
      name: "generate",
      channelId: threadId,
      options: { prompt: "a castle", workflow: "sd15" },
    });
    const result = await made.waitForReply((message) => message.attachments.length > 0, 15_000);
    await discord.waitForMessage(
      (message) => message.id === result.id && message.reactions.some((r) => r.emoji.name === "🎲"),
    );
    await moderate(harness, { term: "castle" }, "ban-term");

    discord.react({ messageId: result.id, channelId: threadId, emoji: "🎲", user: discord.users.bob });
    const notice = await discord.waitForMessage(
      (message) => message.channelId === threadId && message.content.includes(`<@${discord.users.bob.id}>`),
    );
    expect(notice.content).toMatch(/contains a term that is not allowed/);
    expect(notice.pinged).toEqual([]);
    expect(sims[0]!.stats.executions).toHaveLength(1);
  });

  it("refuse plainly when Discord will not say which channel the thread belongs to", async () => {
    harness = await worldWithNewThread({ hiddenFromBot: true });
    const { discord } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      channelId: threadId,
      options: { prompt: "a castle", workflow: "sd15" },
    });
    expect(await ephemeralText(handle)).toMatch(/which channel this thread belongs to/);
    expect(harness.jobIds()).toEqual([]);
  });
});
