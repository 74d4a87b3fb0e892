import { DiscordAPIError, HTTPError, RESTJSONErrorCodes } from "discord.js";

/**
 * What a failed request to Discord means for a message the bot wants to show:
 * - `gone`: the message (or its channel) no longer exists, or the bot may no longer touch it:
 *   another message may still work (a fresh one in the channel);
 * - `refused`: Discord refused the request itself (a bad payload); sending it again changes nothing;
 * - `transient`: Discord or the network failed (5xx, a reset connection): worth trying again later.
 * Rate limits never arrive here: discord.js waits them out itself.
 */
export type DiscordFailure = "gone" | "refused" | "transient";

const goneCodes: ReadonlySet<number> = new Set([
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.UnknownMessage,
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.MissingPermissions,
]);

export function classifyDiscordFailure(error: unknown): DiscordFailure {
  if (error instanceof DiscordAPIError) {
    if (goneCodes.has(Number(error.code))) return "gone";
    return error.status >= 500 ? "transient" : "refused";
  }
  if (error instanceof HTTPError) return error.status >= 500 ? "transient" : "refused";
  // No answer at all: DNS, a refused or reset connection, a timeout.
  return "transient";
}
