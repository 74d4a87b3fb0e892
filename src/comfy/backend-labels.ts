/**
 * A ComfyUI host from `COMFY_URL`: the label members see and the URL the bot connects to.
 * `COMFY_URL=gpu-a=http://10.0.0.5:8188,gpu-b=http://10.0.0.6:8188`; an entry without a label
 * gets `gpu-<position>`. Members never see addresses: an unauthenticated ComfyUI would be open to
 * anyone who read one. Logs and `doctor` (operator output) still show them.
 */
export interface ComfyHost {
  label: string;
  /** May carry `user:password@` (see `comfy-endpoint.ts`). */
  url: string;
}

/** What an operator may use as a label: short, and harmless in a Discord message. */
export const hostLabelPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

// A label ends at the first "=" that comes before any ":" or "/": in a URL the scheme's ":"
// always comes first, so "http://h/?a=b" is a URL with no label.
const LABELLED = /^([^=:/]*)=(.*)$/s;

/** One `COMFY_URL` entry split into its label (when written) and its URL. */
export function splitHostEntry(entry: string): { label?: string | undefined; url: string } {
  const match = LABELLED.exec(entry);
  return match ? { label: (match[1] ?? "").trim(), url: (match[2] ?? "").trim() } : { url: entry };
}

/** The hosts with a label each: the written one, else `gpu-1`, `gpu-2`… by position. */
export function labelHosts(entries: ReadonlyArray<{ label?: string | undefined; url: string }>): ComfyHost[] {
  return entries.map((entry, index) => ({ label: entry.label ?? `gpu-${index + 1}`, url: entry.url }));
}

/**
 * The bot's internal id for each host, from its address ("gpu1:8188"; duplicates get "#2"). Jobs,
 * ETA samples and logs are keyed by it, so it stays what it was before labels existed and a
 * restart after an upgrade finds its running prompts; members see the label instead.
 */
export function backendIds(urls: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return urls.map((url) => {
    const parsed = new URL(url);
    const base = `${parsed.hostname}:${parsed.port || (parsed.protocol === "https:" ? "443" : "80")}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}#${count}`;
  });
}
