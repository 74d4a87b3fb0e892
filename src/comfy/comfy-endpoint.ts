/**
 * A ComfyUI host as the client uses it. Operators behind an authenticating reverse proxy write
 * `COMFY_URL=https://user:password@host/comfy`; the credentials become an `Authorization: Basic`
 * header sent on every HTTP request and on the socket upgrade alike, and the URL everything else
 * sees (requests, logs, `doctor`, `/queue`) has them stripped.
 */
export interface ComfyEndpoint {
  /** The URL without user info: where requests go and what may be shown. */
  url: string;
  /** `Basic …` for the URL's user info, or undefined when it had none. */
  authorization: string | undefined;
}

// The user info is everything from "//" to the last "@" of the authority, which ends at the
// first "/", "?" or "#" (WHATWG URL parsing).
const USER_INFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

export function comfyEndpoint(raw: string): ComfyEndpoint {
  const parsed = new URL(raw);
  if (parsed.username === "" && parsed.password === "") return { url: raw, authorization: undefined };
  // The URL keeps them percent-encoded ("op%40example"); the header carries the real characters.
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  return {
    url: withoutCredentials(raw),
    authorization: `Basic ${Buffer.from(credentials, "utf8").toString("base64")}`,
  };
}

/** The URL with any `user:password@` removed, for showing it. */
export function withoutCredentials(raw: string): string {
  return raw.replace(USER_INFO, "$1");
}
