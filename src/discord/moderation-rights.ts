import { PermissionFlagsBits, type Client } from "discord.js";
import { fetchOrNone } from "./fetch-or-none.js";

/** Where a job or a result lives. */
export interface JobPlace {
  guildId: string;
  channelId: string;
}

/**
 * The one rule for acting on other members' jobs and results (`/cancel job:`, the Cancel button,
 * ❌, Delete): Manage Messages in the channel the job is in, in its server, whatever channel the
 * command was typed in. A thread counts as its parent channel (Discord's own computation does
 * that). A channel or member that no longer exists means no.
 */
export async function mayModerateJobs(client: Client, place: JobPlace, userId: string): Promise<boolean> {
  const guild = client.guilds.cache.get(place.guildId);
  if (!guild) return false;
  const channel =
    client.channels.cache.get(place.channelId) ?? (await fetchOrNone(client.channels.fetch(place.channelId)));
  if (!channel || channel.isDMBased() || channel.guildId !== place.guildId) return false;
  const member = await fetchOrNone(guild.members.fetch(userId));
  if (!member) return false;
  return channel.permissionsFor(member).has(PermissionFlagsBits.ManageMessages);
}
