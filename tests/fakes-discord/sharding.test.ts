import { Events, type Client } from "discord.js";
import { GatewayOpcodes } from "discord-api-types/v10";
import { afterEach, describe, expect, it } from "vitest";
import { shardOfGuild } from "../../src/scale/guild-shards.js";
import {
  guildOnShard,
  startFakeDiscord,
  type FakeDiscord,
  type GuildFixture,
} from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";
import { startClient } from "./discord-client-harness.js";

let discord: FakeDiscord | undefined;
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.destroy();
  await discord?.close();
  discord = undefined;
});

/** A fake Discord with one server on each of 4 shards, letting shards identify at once. */
async function fourShardDiscord(): Promise<{ discord: FakeDiscord; guilds: GuildFixture[] }> {
  let guilds: GuildFixture[] = [];
  discord = await startFakeDiscord({
    maxConcurrency: 16,
    guilds: (world) =>
      (guilds = [0, 1, 2, 3].map((shard) =>
        guildOnShard(world, { shard, count: 4, name: `server ${shard}` }),
      )),
  });
  return { discord, guilds };
}

/** A real discord.js client running `shards` of 4, recording which servers' events reach it. */
async function shardedClient(fake: FakeDiscord, shards: number[]) {
  const client = await startClient(fake, { shards, shardCount: 4 });
  clients.push(client);
  const interactions: string[] = [];
  const reactions: string[] = [];
  client.on(Events.InteractionCreate, (interaction) => interactions.push(interaction.guildId ?? "dm"));
  client.on(Events.MessageReactionAdd, (reaction) => reactions.push(reaction.message.guildId ?? "dm"));
  return { client, interactions, reactions };
}

describe("fake Discord: shards", () => {
  it("puts each server on shard (id >> 22) % count, as the guild helper asks", async () => {
    const { guilds } = await fourShardDiscord();
    expect(guilds.map((guild) => shardOfGuild(guild.id, 4))).toEqual([0, 1, 2, 3]);
  });

  it("gives each gateway connection the servers of the shard it identified as, and routes their events there only", async () => {
    const { discord: fake, guilds } = await fourShardDiscord();
    const a = await shardedClient(fake, [0, 1]);
    const b = await shardedClient(fake, [2, 3]);

    const identifies = fake.gatewayFrames.filter(
      (frame) => frame.direction === "in" && frame.op === Number(GatewayOpcodes.Identify),
    );
    expect(identifies.map((frame) => (frame.d as { shard: number[] }).shard).sort()).toEqual([
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 4],
    ]);
    expect([...a.client.guilds.cache.keys()].sort()).toEqual([guilds[0]!.id, guilds[1]!.id].sort());
    expect([...b.client.guilds.cache.keys()].sort()).toEqual([guilds[2]!.id, guilds[3]!.id].sort());

    for (const guild of guilds) {
      const channel = guild.channels[0]!;
      fake.invokeSlash({ name: "queue", channelId: channel.id });
      const seeded = fake.seedMessage({ channelId: channel.id, content: "a result" });
      fake.react({ messageId: seeded.id, channelId: channel.id, emoji: "🎲" });
    }
    await eventually(
      () =>
        a.interactions.length + b.interactions.length === 4 && a.reactions.length + b.reactions.length === 4,
      "every interaction and reaction to reach a client",
    );
    expect(a.interactions.sort()).toEqual([guilds[0]!.id, guilds[1]!.id].sort());
    expect(b.interactions.sort()).toEqual([guilds[2]!.id, guilds[3]!.id].sort());
    expect(a.reactions.sort()).toEqual([guilds[0]!.id, guilds[1]!.id].sort());
    expect(b.reactions.sort()).toEqual([guilds[2]!.id, guilds[3]!.id].sort());
  });

  it("refuses an IDENTIFY whose shard id is not below its count (close 4010)", async () => {
    const { discord: fake } = await fourShardDiscord();
    await expect(startClient(fake, { shards: [4], shardCount: 4 })).rejects.toThrow();
    await eventually(
      () => fake.connections.some((connection) => connection.closeCode === 4010),
      "the gateway to close with 4010",
    );
  });
});
