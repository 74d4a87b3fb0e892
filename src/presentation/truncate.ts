const ELLIPSIS = "…";

/**
 * Cut `text` to at most `max` UTF-16 units, ending with "…" when cut. Discord counts characters,
 * never more than UTF-16 units, so this length is a safe upper bound; a surrogate pair is never split.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  let end = max - ELLIPSIS.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, Math.max(0, end)) + ELLIPSIS;
}
