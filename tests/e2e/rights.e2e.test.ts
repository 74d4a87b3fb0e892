import { afterEach, describe, expect, it } from "vitest";
import { MessageFlags, Permission } from "../fakes/discord/index.js";
import type { FakeChannel } from "../fakes/discord/guild-fixture.js";
import { eventually } from "../support/eventually.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The default world plus #lounge, where alice may manage the channel and its messages. */
async function worldWithLounge(
  simulator = { stepMs: 200 },
): Promise<{ harness: BotHarness; lounge: FakeChannel }> {
  let lounge: FakeChannel | undefined;
  const started = await startBotHarness({
    simulator,
    discord: {
      guilds: (world) => {
        lounge = {
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
  return { harness: started, lounge: lounge! };
}

describe("rights end to end (issue 13)", () => {
  it("refuses /cancel of someone else's job to a member who moderates only another channel (item 6)", async () => {
    const world = await worldWithLounge();
    harness = world.harness;
    const { discord, core } = harness;
    const { alice, bob } = discord.users;
    const bobs = discord.invokeSlash({ name: "generate", user: bob, options: { prompt: "bob's castle" } });
    await bobs.reply();
    const job = core.queue.jobsOf(bob.id)[0]!;

    const attempt = discord.invokeSlash({
      name: "cancel",
      user: alice,
      channelId: world.lounge.id,
      options: { job: job.id },
    });
    const answer = await attempt.waitForReply((message) => !(message.flags & MessageFlags.loading));
    expect(answer.flags & MessageFlags.ephemeral).toBe(MessageFlags.ephemeral);
    expect(answer.content).toMatch(/only cancel your own jobs/);
    expect(core.queue.get(job.id)?.state).not.toBe("cancelled");

    // The moderator of #general (Manage Messages there) may.
    const byMod = discord.invokeSlash({ name: "cancel", user: discord.users.mod, options: { job: job.id } });
    const done = await byMod.waitForReply((message) => !(message.flags & MessageFlags.loading));
    expect(done.content).toMatch(/^Cancelled job/);
    await eventually(
      () => core.queue.get(job.id)?.state === "cancelled",
      "bob's job cancelled by the moderator",
    );
  });

  it("asks for Manage Messages in the job's channel for the Cancel button too, not Manage Channels (item 6)", async () => {
    harness = await startBotHarness({
      simulator: { stepMs: 200 },
      discord: {
        guilds: (world) => {
          const general: FakeChannel = {
            ...world.channels.general,
            overwrites: [{ id: world.users.alice.id, type: 1, allow: Permission.manageChannels, deny: 0n }],
          };
          const others = world.guild.channels.filter((channel) => channel.id !== general.id);
          return [{ ...world.guild, channels: [general, ...others] }];
        },
      },
    });
    const { discord, core } = harness;
    const { alice, bob } = discord.users;
    const bobs = discord.invokeSlash({ name: "generate", user: bob, options: { prompt: "bob's castle" } });
    const message = await bobs.reply();
    const job = core.queue.jobsOf(bob.id)[0]!;
    // Alice holds Manage Channels in #general but not Manage Messages.
    const click = discord.clickButton({ message, customId: `job:cancel:${job.id}`, user: alice });
    await click.ack();
    const refusal = await click.waitForFollowup((reply) => (reply.flags & MessageFlags.ephemeral) !== 0);
    expect(refusal.content).toMatch(/owner or a moderator/);
    expect(core.queue.get(job.id)?.state).not.toBe("cancelled");
  });
});
