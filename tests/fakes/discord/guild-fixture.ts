/** Permission bits the fixture uses (Discord's PermissionFlagsBits, as bigint bitfields sent as strings). */
export const Permission = {
  createInstantInvite: 1n << 0n,
  administrator: 1n << 3n,
  manageChannels: 1n << 4n,
  addReactions: 1n << 6n,
  viewChannel: 1n << 10n,
  sendMessages: 1n << 11n,
  manageMessages: 1n << 13n,
  embedLinks: 1n << 14n,
  attachFiles: 1n << 15n,
  readMessageHistory: 1n << 16n,
  useExternalEmojis: 1n << 18n,
  changeNickname: 1n << 26n,
  useApplicationCommands: 1n << 31n,
  sendMessagesInThreads: 1n << 38n,
} as const;

const EVERYONE_PERMISSIONS =
  Permission.createInstantInvite |
  Permission.addReactions |
  Permission.viewChannel |
  Permission.sendMessages |
  Permission.embedLinks |
  Permission.attachFiles |
  Permission.readMessageHistory |
  Permission.useExternalEmojis |
  Permission.changeNickname |
  Permission.useApplicationCommands |
  Permission.sendMessagesInThreads;

export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: string | null;
  bot?: boolean;
}

export interface FakeRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  managed: boolean;
}

/** A channel permission overwrite: for a role (`type` 0) or a member (`type` 1). */
export interface FakeOverwrite {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface FakeChannel {
  id: string;
  name: string;
  /** 0 guild text, 11 public thread, 12 private thread. */
  type: number;
  nsfw: boolean;
  parentId: string | null;
  position: number;
  /** Sent as `permission_overwrites` (threads take their parent's). */
  overwrites?: FakeOverwrite[];
  /**
   * A thread made after the bot connected that it was never told about (a private thread it was
   * not added to): left out of GUILD_CREATE, so only GET /channels/:id (or an interaction's partial
   * channel) shows it.
   */
  unannounced?: boolean;
  /** GET /channels/:id answers 403 Missing Access, as for a private thread the bot is not in. */
  hiddenFromBot?: boolean;
}

/** Discord's thread channel types: announcement (10), public (11) and private (12) threads. */
export function isThreadType(type: number): boolean {
  return type === 10 || type === 11 || type === 12;
}

export interface FakeMember {
  user: FakeUser;
  roleIds: string[];
  joinedAt: string;
}

export interface GuildFixture {
  id: string;
  name: string;
  ownerId: string;
  roles: FakeRole[];
  channels: FakeChannel[];
  members: FakeMember[];
}

/** The default world: one guild with the bot, alice, bob and a moderator, #general, #art (nsfw), a thread. */
export interface DefaultWorld {
  botUser: FakeUser;
  users: { alice: FakeUser; bob: FakeUser; mod: FakeUser };
  guild: GuildFixture;
  channels: { general: FakeChannel; art: FakeChannel; thread: FakeChannel };
  roles: { everyone: FakeRole; moderator: FakeRole; bot: FakeRole };
}

function user(id: string, username: string, bot = false): FakeUser {
  const base = {
    id,
    username,
    global_name: bot ? null : username,
    discriminator: bot ? "0000" : "0",
    avatar: null,
  };
  return bot ? { ...base, bot: true } : base;
}

export function createDefaultWorld(newId: () => string, now: () => number): DefaultWorld {
  const joinedAt = new Date(now() - 86_400_000).toISOString();
  const guildId = newId();
  const botUser = user(newId(), "comfycord", true);
  const users = { alice: user(newId(), "alice"), bob: user(newId(), "bob"), mod: user(newId(), "mod") };
  const everyone: FakeRole = {
    id: guildId,
    name: "@everyone",
    permissions: EVERYONE_PERMISSIONS,
    position: 0,
    managed: false,
  };
  const moderator: FakeRole = {
    id: newId(),
    name: "Moderator",
    permissions: Permission.manageChannels | Permission.manageMessages,
    position: 2,
    managed: false,
  };
  const botRole: FakeRole = {
    id: newId(),
    name: "comfycord",
    permissions: Permission.manageMessages | Permission.embedLinks | Permission.attachFiles,
    position: 1,
    managed: true,
  };
  const general: FakeChannel = {
    id: newId(),
    name: "general",
    type: 0,
    nsfw: false,
    parentId: null,
    position: 0,
  };
  const art: FakeChannel = { id: newId(), name: "art", type: 0, nsfw: true, parentId: null, position: 1 };
  const thread: FakeChannel = {
    id: newId(),
    name: "general-thread",
    type: 11,
    nsfw: false,
    parentId: general.id,
    position: 0,
  };
  const guild: GuildFixture = {
    id: guildId,
    name: "Comfy Test Guild",
    ownerId: users.mod.id,
    roles: [everyone, botRole, moderator],
    channels: [general, art, thread],
    members: [
      { user: botUser, roleIds: [botRole.id], joinedAt },
      { user: users.alice, roleIds: [], joinedAt },
      { user: users.bob, roleIds: [], joinedAt },
      { user: users.mod, roleIds: [moderator.id], joinedAt },
    ],
  };
  return {
    botUser,
    users,
    guild,
    channels: { general, art, thread },
    roles: { everyone, moderator, bot: botRole },
  };
}

const allPermissions = (1n << 53n) - 1n;

/** Guild-level permissions of a member: @everyone plus its roles (administrator means everything). */
export function memberPermissions(guild: GuildFixture, member: FakeMember): bigint {
  let bits = guild.roles.find((role) => role.id === guild.id)?.permissions ?? 0n;
  for (const role of guild.roles) if (member.roleIds.includes(role.id)) bits |= role.permissions;
  return bits & Permission.administrator ? allPermissions : bits;
}

/**
 * A member's permissions in one channel, as Discord computes them: the guild-level ones, then the
 * channel's @everyone overwrite, then its role overwrites together, then the member's own.
 * Threads use their parent channel's overwrites.
 */
export function channelPermissions(guild: GuildFixture, member: FakeMember, channel: FakeChannel): bigint {
  let bits = memberPermissions(guild, member);
  if (bits === allPermissions) return bits;
  const source = channel.parentId
    ? (guild.channels.find((c) => c.id === channel.parentId) ?? channel)
    : channel;
  const overwrites = source.overwrites ?? [];
  const apply = (overwrite: FakeOverwrite | undefined) => {
    if (overwrite) bits = (bits & ~overwrite.deny) | overwrite.allow;
  };
  apply(overwrites.find((overwrite) => overwrite.type === 0 && overwrite.id === guild.id));
  let allow = 0n;
  let deny = 0n;
  for (const overwrite of overwrites) {
    if (overwrite.type === 0 && overwrite.id !== guild.id && member.roleIds.includes(overwrite.id)) {
      allow |= overwrite.allow;
      deny |= overwrite.deny;
    }
  }
  bits = (bits & ~deny) | allow;
  apply(overwrites.find((overwrite) => overwrite.type === 1 && overwrite.id === member.user.id));
  return bits;
}
