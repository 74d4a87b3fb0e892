import type { FakeChannel, FakeMember, FakeRole, FakeUser, GuildFixture } from "./guild-fixture.js";
import { isThreadType, memberPermissions } from "./guild-fixture.js";

export type Json = Record<string, unknown>;

export function userPayload(user: FakeUser): Json {
  return {
    ...user,
    public_flags: 0,
    flags: 0,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
  };
}

export function rolePayload(role: FakeRole): Json {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.managed,
    mentionable: false,
    flags: 0,
  };
}

export function channelPayload(guild: GuildFixture, channel: FakeChannel): Json {
  const base = {
    id: channel.id,
    type: channel.type,
    name: channel.name,
    guild_id: guild.id,
    parent_id: channel.parentId,
    position: channel.position,
    nsfw: channel.nsfw,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
  if (isThreadType(channel.type)) {
    return {
      ...base,
      owner_id: guild.ownerId,
      message_count: 0,
      member_count: 1,
      thread_metadata: {
        archived: false,
        auto_archive_duration: 1440,
        archive_timestamp: new Date().toISOString(),
        locked: false,
        create_timestamp: new Date().toISOString(),
        ...(channel.type === 12 ? { invitable: false } : {}),
      },
    };
  }
  return {
    ...base,
    topic: null,
    permission_overwrites: (channel.overwrites ?? []).map((overwrite) => ({
      id: overwrite.id,
      type: overwrite.type,
      allow: overwrite.allow.toString(),
      deny: overwrite.deny.toString(),
    })),
    default_auto_archive_duration: 1440,
  };
}

export function memberPayload(member: FakeMember): Json {
  return {
    user: userPayload(member.user),
    nick: null,
    avatar: null,
    banner: null,
    roles: member.roleIds,
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    pending: false,
    flags: 0,
    communication_disabled_until: null,
  };
}

/** A member as interactions carry it: with the resolved guild permissions of that member. */
export function interactionMemberPayload(
  guild: GuildFixture,
  member: FakeMember,
  permissions?: string,
): Json {
  return {
    ...memberPayload(member),
    permissions: permissions ?? memberPermissions(guild, member).toString(),
  };
}

/** The guild object of GET /guilds/:id (no channels or members, as Discord answers). */
export function guildPayload(guild: GuildFixture): Json {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    system_channel_id: guild.channels[0]?.id ?? null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    widget_enabled: false,
    verification_level: 1,
    default_message_notifications: 1,
    explicit_content_filter: 2,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: "en-US",
    max_members: 500000,
    max_video_channel_users: 25,
    vanity_url_code: null,
    roles: guild.roles.map(rolePayload),
    emojis: [],
    stickers: [],
    features: [],
    application_id: null,
  };
}

/** GUILD_CREATE: the full guild with channels, threads and members, as the Guilds intent delivers it. */
export function guildCreatePayload(guild: GuildFixture, joinedAt: string): Json {
  return {
    ...guildPayload(guild),
    joined_at: joinedAt,
    large: false,
    unavailable: false,
    member_count: guild.members.length,
    voice_states: [],
    members: guild.members.map(memberPayload),
    channels: guild.channels.filter((c) => !isThreadType(c.type)).map((c) => channelPayload(guild, c)),
    threads: guild.channels
      .filter((c) => isThreadType(c.type) && c.unannounced !== true)
      .map((c) => channelPayload(guild, c)),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    lazy: true,
  };
}
