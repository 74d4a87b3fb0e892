import type { DefaultWorld, FakeChannel, FakeRole, GuildFixture } from "./guild-fixture.js";

/** Discord's epoch (2015-01-01), the origin of snowflake timestamps. */
const discordEpoch = 1_420_070_400_000n;
let increment = 0n;

/** A snowflake whose timestamp part is `sinceEpoch` ms: `(id >> 22)` is exactly that. */
function snowflakeAt(sinceEpoch: bigint): string {
  increment = (increment + 1n) & 0xfffn;
  return ((sinceEpoch << 22n) | (1n << 17n) | increment).toString();
}

/**
 * A server whose events Discord sends to `shard` of `count` (`(guild_id >> 22) % count`), with
 * the default world's people: the bot, alice, bob and the moderator (a Moderator role), and two
 * text channels, #general and #art (age-restricted). Its ids are real-looking snowflakes.
 */
export function guildOnShard(
  world: DefaultWorld,
  options: { shard: number; count: number; name: string; now?: number },
): GuildFixture {
  const now = BigInt(options.now ?? Date.now()) - discordEpoch;
  const count = BigInt(options.count);
  // The closest earlier millisecond on the wanted shard.
  const at = now - ((((now - BigInt(options.shard)) % count) + count) % count);
  const guildId = snowflakeAt(at);
  const id = (): string => snowflakeAt(at);
  const joinedAt = new Date(Number(at + discordEpoch) - 86_400_000).toISOString();
  const everyone: FakeRole = { ...world.roles.everyone, id: guildId };
  const moderator: FakeRole = { ...world.roles.moderator, id: id() };
  const bot: FakeRole = { ...world.roles.bot, id: id() };
  const general: FakeChannel = {
    id: id(),
    name: "general",
    type: 0,
    nsfw: false,
    parentId: null,
    position: 0,
  };
  const art: FakeChannel = { id: id(), name: "art", type: 0, nsfw: true, parentId: null, position: 1 };
  return {
    id: guildId,
    name: options.name,
    ownerId: world.users.mod.id,
    roles: [everyone, bot, moderator],
    channels: [general, art],
    members: [
      { user: world.botUser, roleIds: [bot.id], joinedAt },
      { user: world.users.alice, roleIds: [], joinedAt },
      { user: world.users.bob, roleIds: [], joinedAt },
      { user: world.users.mod, roleIds: [moderator.id], joinedAt },
    ],
  };
}
