import { DiscordAPIError } from "discord.js";

/**
 * A Discord lookup where "it does not exist" (a 404: unknown channel, member, message) is an
 * answer, not a failure: resolves undefined then. Anything else (Discord unreachable, 5xx,
 * missing access) is still thrown, for the caller's error boundary to report.
 */
export async function fetchOrNone<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof DiscordAPIError && error.status === 404) return undefined;
    throw error;
  }
}
