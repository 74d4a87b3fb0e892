import { ChannelType, Routes, type Channel, type Client } from "discord.js";
import type { GenerateOutcome } from "../app/generation-service.js";
import type { BotServices } from "./bot-services.js";
import { channelOrNone } from "./channel-or-none.js";

/** Where a server's mod-log record goes: the server it is about, and its `modLogChannel` if set. */
export interface ModLogPlace {
  guildId: string;
  channelId: string | undefined;
}

/**
 * Whether a channel may be a server's mod log: a text (or announcement) channel of that same
 * server. A channel of another server would carry one server's moderation records into another;
 * threads, voice and forum channels are not where a log is read.
 */
export function isModLogChannel(channel: Channel | undefined, guildId: string): boolean {
  if (!channel || channel.isDMBased() || channel.guildId !== guildId) return false;
  return channel.type === ChannelType.GuildText || channel.type === ChannelType.GuildAnnouncement;
}

/**
 * Posts a short record to the server's mod-log channel, when one is set. A stored channel that is
 * not a text channel of that server (set before this was checked, or since moved or deleted) is
 * skipped and logged. Never throws.
 */
export async function postModLog(
  client: Client,
  services: Pick<BotServices, "transport" | "logger">,
  place: ModLogPlace,
  text: string,
): Promise<void> {
  const { guildId, channelId } = place;
  if (!channelId) return;
  try {
    if (!isModLogChannel(await channelOrNone(client, channelId), guildId)) {
      services.logger.warn({ guildId, channelId }, "mod log skipped: not a text channel of this server");
      return;
    }
    await services.transport.post(channelId, {
      body: { content: text.slice(0, 2000), allowed_mentions: { parse: [] } },
      files: [],
    });
  } catch (error) {
    services.logger.warn(
      { err: error, channelId, route: Routes.channelMessages(channelId) },
      "could not post to the mod log",
    );
  }
}

/** A refused generation's record for the mod log, when moderation wrote one. Never throws. */
export async function postRefusalToModLog(
  client: Client,
  services: Pick<BotServices, "transport" | "logger">,
  guildId: string,
  outcome: GenerateOutcome,
): Promise<void> {
  if (outcome.kind !== "refused" || !outcome.modLog) return;
  await postModLog(
    client,
    services,
    { guildId, channelId: outcome.settings.values.modLogChannel },
    outcome.modLog,
  );
}
