import { DiscordjsError, DiscordjsErrorCodes, HTTPError } from "discord.js";
import { StartupError } from "../app/startup-error.js";
import { discordDown, discordTokenRefused, discordUnreachable } from "../app/startup-messages.js";

/** Socket errors that mean "Discord did not answer at all", as Node and undici name them. */
const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** The first error code on the error's cause chain (`fetch failed` carries it in `cause`). */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    if ("code" in current && typeof current.code === "string" && current.code.length > 0) return current.code;
    current = "cause" in current ? current.cause : undefined;
  }
  return undefined;
}

/**
 * What a failed `client.login` means for the operator: a refused token (REST 401, which discord.js
 * reports as TokenInvalid, or the gateway's close 4004), Discord unreachable, or Discord failing
 * (5xx after discord.js's own retries), each as a
 * `StartupError` with the fix. Anything else is returned as it is.
 */
export function loginFailure(
  error: unknown,
  context: { apiUrl: string; closeCode: number | undefined },
): unknown {
  const tokenInvalid = error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.TokenInvalid;
  if (tokenInvalid || context.closeCode === 4004)
    return new StartupError(discordTokenRefused, { cause: error });
  // discord.js retried already: Discord itself is failing (5xx) for now.
  if (error instanceof HTTPError && error.status >= 500) {
    return new StartupError(discordDown(context.apiUrl, error.status), { cause: error });
  }
  const code = causeCode(error);
  if (code !== undefined && unreachableCodes.has(code)) {
    return new StartupError(discordUnreachable(context.apiUrl, code), { cause: error });
  }
  return error;
}
