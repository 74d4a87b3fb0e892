import {
  PermissionFlagsBits,
  type BaseInteraction,
  type GuildMember,
  type APIInteractionGuildMember,
} from "discord.js";
import type { ChannelLocation } from "../moderation/settings-repository.js";
import { channelLocation } from "./channel-location.js";

/** Where an interaction happened, or why that cannot be used. */
export type InteractionPlace =
  | { kind: "located"; location: ChannelLocation }
  /** A DM, or an interaction without a channel. */
  | { kind: "not_in_server" }
  /** A channel Discord will not show the bot: whether it is a thread, and whose rules apply, is unknown. */
  | { kind: "unknown_parent" };

/**
 * Where an interaction happened, as the core needs it: a thread always with its parent channel,
 * fetched from Discord when the thread is not cached (`channelLocation`).
 */
export async function locationOf(interaction: BaseInteraction): Promise<InteractionPlace> {
  if (!interaction.guildId || !interaction.channelId) return { kind: "not_in_server" };
  const location = await channelLocation(interaction.client, interaction.guildId, interaction.channelId);
  return location ? { kind: "located", location } : { kind: "unknown_parent" };
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
