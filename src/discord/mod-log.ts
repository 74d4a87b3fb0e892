import { Routes } from "discord.js";
import type { BotServices } from "./bot-services.js";

/** Posts a short record to the server's mod-log channel, when one is set. Never throws. */
export async function postModLog(
  services: Pick<BotServices, "transport" | "logger">,
  channelId: string | undefined,
  text: string,
): Promise<void> {
  if (!channelId) return;
  try {
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
