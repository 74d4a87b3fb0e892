import { DiscordAPIError, type Channel, type Client } from "discord.js";

/**
 * A channel from the cache, else fetched from Discord (which caches it). Unknown (404) and Missing
 * Access (403) both resolve undefined: a channel the bot cannot see is, for the bot, one that does
 * not exist. Anything else (Discord unreachable, 5xx) is thrown for the caller to handle.
 */
export async function channelOrNone(client: Client, channelId: string): Promise<Channel | undefined> {
  const cached = client.channels.cache.get(channelId);
  if (cached) return cached;
  try {
    return (await client.channels.fetch(channelId)) ?? undefined;
  } catch (error) {
    if (error instanceof DiscordAPIError && (error.status === 404 || error.status === 403)) return undefined;
    throw error;
  }
}
