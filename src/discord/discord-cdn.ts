/** Discord's own attachment hosts. */
const cdnHosts = new Set(["cdn.discordapp.com", "media.discordapp.net"]);

/**
 * Whether the bot may download from this URL: an attachment on Discord's CDN over https, or on
 * the host of a configured `DISCORD_API_URL` (a REST proxy, or the fake Discord in tests). The
 * URL arrives in an interaction Discord signed, but a download is a request from the bot's
 * network, so anything else is refused rather than fetched.
 */
export function isDiscordCdnUrl(url: string, apiUrl: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === "https:" && cdnHosts.has(parsed.hostname)) return true;
  const api = new URL(apiUrl);
  return api.hostname !== "discord.com" && parsed.origin === api.origin;
}
