/**
 * Masks the secrets that ride along in URLs and header-like text, wherever they appear in a
 * string: error messages and stacks quote the URL they failed on.
 *
 * - Discord interaction routes carry the interaction's token as a path segment:
 *   `/webhooks/<application id>/<token>/…` and `/interactions/<id>/<token>/callback`. Whoever holds
 *   it can post and edit as the bot in that channel for 15 minutes.
 * - `user:password@` in a URL (a ComfyUI host behind an authenticating proxy).
 * - Query parameters named like a secret (`?token=`, `access_token`, `key`, `signature`, …).
 * - `Bot …`, `Bearer …` and `Basic …` credentials, as written in an Authorization header.
 *
 * Every pattern is a plain character class run, so masking is linear in the text.
 */
const TOKEN_SEGMENT = /(\/(?:webhooks|interactions)\/[^/\s?#]+\/)[^/\s?#]+/gi;
const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s?#@]+@/gi;
const QUERY_PARAMETER = /([?&])([^=&#\s]+)=([^&#\s]*)/g;
const SECRET_NAME = /token|secret|passw|pwd|key|sig|auth|credential|session|code/i;
// 16 characters and more: a credential, not prose like "Basic authentication failed".
const AUTH_SCHEME = /\b(Bot|Bearer|Basic)\s+[\w.~+/=-]{16,}/g;

export function maskSecrets(text: string): string {
  return text
    .replace(TOKEN_SEGMENT, "$1[token]")
    .replace(CREDENTIALS, "$1[credentials]@")
    .replace(QUERY_PARAMETER, (whole, separator: string, name: string) =>
      SECRET_NAME.test(name) ? `${separator}${name}=[redacted]` : whole,
    )
    .replace(AUTH_SCHEME, "$1 [redacted]");
}
