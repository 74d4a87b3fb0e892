import type { Client } from "discord.js";
import type { ChannelLocation } from "../moderation/settings-repository.js";
import { channelOrNone } from "./channel-or-none.js";

/**
 * Where a job is asked for, as the rules need it: a thread always comes with its parent channel,
 * whose settings it follows. A thread made after start-up (a private thread the bot was never
 * told about) is in no cache, so it is fetched. Undefined when Discord will not show the channel
 * (unknown, or no access): then nobody can tell whether it is a thread, nor whose rules apply, and
 * the caller refuses rather than run it under no channel's rules.
 */
export async function channelLocation(
  client: Client,
  guildId: string,
  channelId: string,
): Promise<ChannelLocation | undefined> {
  const channel = await channelOrNone(client, channelId);
  if (!channel || channel.isDMBased()) return undefined;
  if (!channel.isThread()) return { guildId, channelId };
  return channel.parentId ? { guildId, channelId, parentId: channel.parentId } : undefined;
}
