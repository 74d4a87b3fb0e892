/**
 * A Redis URL as it may be shown: scheme, host, port and database, never the user or password
 * (`redis://:secret@host` and `redis://user:secret@host` both become `redis://host:6379/0`).
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(an unreadable Redis URL)";
  }
  const port = parsed.port || "6379";
  const db = parsed.pathname.replace(/^\//, "") || "0";
  return `${parsed.protocol}//${parsed.hostname}:${port}/${db}`;
}
