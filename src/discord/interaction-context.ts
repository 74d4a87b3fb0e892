import {
  ChannelType,
  PermissionFlagsBits,
  type BaseInteraction,
  type GuildMember,
  type APIInteractionGuildMember,
} from "discord.js";
import type { ChannelLocation } from "../moderation/settings-repository.js";

/** Where an interaction happened, as the core needs it: threads resolve to their parent's rules. */
export function locationOf(interaction: BaseInteraction): ChannelLocation | undefined {
  if (!interaction.guildId || !interaction.channelId) return undefined;
  const channel = interaction.channel;
  const isThread =
    channel !== null &&
    (channel.type === ChannelType.PublicThread ||
      channel.type === ChannelType.PrivateThread ||
      channel.type === ChannelType.AnnouncementThread);
  return {
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    ...(isThread && channel.parentId ? { parentId: channel.parentId } : {}),
  };
}

/**
 * Age restriction from the cached channel (the interaction's partial channel may lack `nsfw`);
 * threads have no flag of their own and follow their parent.
 */
export function channelIsNsfw(interaction: BaseInteraction): boolean {
  const channel = interaction.channel;
  if (!channel) return false;
  if ("nsfw" in channel && typeof channel.nsfw === "boolean") return channel.nsfw;
  if (channel.isThread()) return Boolean(channel.parent && "nsfw" in channel.parent && channel.parent.nsfw);
  return false;
}

export function roleIdsOf(member: GuildMember | APIInteractionGuildMember | null): string[] {
  if (!member) return [];
  return Array.isArray(member.roles) ? [...member.roles] : [...member.roles.cache.keys()];
}

/** Runtime permission check: command visibility can be changed by admins, so never trust it alone. */
export function canModerate(interaction: BaseInteraction, scope: "channel" | "server"): boolean {
  const permissions = interaction.memberPermissions;
  if (!permissions) return false;
  return scope === "server"
    ? permissions.has(PermissionFlagsBits.ManageGuild)
    : permissions.has(PermissionFlagsBits.ManageChannels);
}
