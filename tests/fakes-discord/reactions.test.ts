import { Events, GatewayIntentBits } from "discord.js";
import type { Client, MessageReaction, PartialMessageReaction, PartialUser, User } from "discord.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeDiscord } from "../fakes/discord/index.js";
import { startFakeDiscord } from "../fakes/discord/index.js";
import { startClient } from "./discord-client-harness.js";

type ReactionEvent = { reaction: MessageReaction | PartialMessageReaction; user: User | PartialUser };

function nextReaction(client: Client, added: boolean): Promise<ReactionEvent> {
  return new Promise((resolve) => {
    const listener = (reaction: ReactionEvent["reaction"], user: ReactionEvent["user"]): void =>
      resolve({ reaction, user });
    if (added) client.once(Events.MessageReactionAdd, listener);
    else client.once(Events.MessageReactionRemove, listener);
  });
}

describe("fake Discord: reactions", () => {
  let discord: FakeDiscord;
  let client: Client | undefined;

  beforeEach(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 500 });
  });

  afterEach(async () => {
    await client?.destroy();
    client = undefined;
    await discord.close();
  });

  it("delivers a reaction on a message the client never cached, as partials it can fetch", async () => {
    client = await startClient(discord);
    const seeded = discord.seedMessage({ channelId: discord.channels.general.id, content: "old result" });
    const received = nextReaction(client, true);
    discord.react({
      messageId: seeded.id,
      channelId: seeded.channelId,
      emoji: "🎲",
      user: discord.users.bob,
    });
    const { reaction, user } = await received;
    expect(reaction.message.partial).toBe(true);
    expect(reaction.emoji.name).toBe("🎲");
    expect(user.id).toBe(discord.users.bob.id);
    const message = await reaction.message.fetch();
    expect(message.content).toBe("old result");
    expect(message.author.id).toBe(discord.botUser.id);
    expect(discord.messages.get(seeded.id)?.reactions).toEqual([
      { emoji: { id: null, name: "🎲" }, userIds: [discord.users.bob.id] },
    ]);
  });

  it("lets the bot add its own reaction, list reactors and remove a user's reaction", async () => {
    client = await startClient(discord);
    const channel = client.channels.cache.get(discord.channels.general.id);
    if (!channel?.isSendable()) throw new Error("general should be sendable");
    const sent = await channel.send({ content: "result" });
    const ownEvent = nextReaction(client, true);
    await sent.react("🎲");
    expect((await ownEvent).user.id).toBe(discord.botUser.id);

    const bobEvent = nextReaction(client, true);
    discord.react({ messageId: sent.id, channelId: sent.channelId, emoji: "🎲", user: discord.users.bob });
    const { reaction } = await bobEvent;
    const reactors = await reaction.users.fetch();
    expect([...reactors.keys()].sort()).toEqual([discord.botUser.id, discord.users.bob.id].sort());

    const removed = nextReaction(client, false);
    await reaction.users.remove(discord.users.bob.id);
    expect((await removed).user.id).toBe(discord.users.bob.id);
    expect(discord.messages.get(sent.id)?.reactions[0]?.userIds).toEqual([discord.botUser.id]);
    const route = discord.requests.find((r) => r.method === "DELETE")?.route;
    expect(route).toBe("/channels/:channelId/messages/:messageId/reactions/:emoji/:userId");
  });

  it("does not send reaction events to a session without the GuildMessageReactions intent", async () => {
    client = await startClient(discord, { intents: [GatewayIntentBits.Guilds] });
    const seeded = discord.seedMessage({ channelId: discord.channels.general.id, content: "x" });
    discord.react({ messageId: seeded.id, channelId: seeded.channelId, emoji: "🎲" });
    // An interaction is always delivered; once it arrives, the earlier reaction would have too.
    const arrived = new Promise<void>((resolve) => client!.once(Events.InteractionCreate, () => resolve()));
    discord.invokeSlash({ name: "ping" });
    await arrived;
    const sent = discord.gatewayFrames.filter((f) => f.direction === "out").map((f) => f.t);
    expect(sent).toContain("INTERACTION_CREATE");
    expect(sent).not.toContain("MESSAGE_REACTION_ADD");
  });
});
