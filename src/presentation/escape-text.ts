import { codeBlock as fenced, escapeMarkdown as escapeFormatting } from "@discordjs/formatters";

const ZWSP = "\u200b";

/**
 * Defuse mention syntax so text from users (prompts, names, error details) can never ping:
 * `@everyone`/`@here` and `<@…>`/`<@&…>`/`<#…>` get a zero-width space. The adapter also sends
 * `allowed_mentions: { parse: [] }`; this is the second lock. (@discordjs/formatters escapes
 * markdown only; mentions are not markdown.)
 */
export function neutralizeMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, `@${ZWSP}$1`).replace(/<([@#])/g, `<${ZWSP}$1`);
}

/**
 * Escape Discord markdown in short user-supplied labels (host names, node titles, names).
 * @discordjs/formatters escapes bold, italics, underline, strikethrough, spoilers, code and `\`,
 * and, asked to, masked links; it leaves `_` and `*` inside URLs alone, so a host's address stays
 * one clickable link. Its heading and list escapes stay off: a label sits inside a line, where
 * `1.` or `#` format nothing, and `127\.0.0.1` would only be noise in the text. A block quote has
 * no escape there; a label that starts a field value could start one, so that one is ours.
 */
export function escapeMarkdown(text: string): string {
  const escaped = escapeFormatting(text, { maskedLink: true });
  return neutralizeMentions(escaped.replace(/^([ \t]*)>/gm, "$1\\>"));
}

/**
 * A fenced code block holding `text` verbatim to the eye. A zero-width space after every backtick
 * means no run of three can close the fence early, whatever the prompt contains. (The library's
 * `escapeCodeBlock` puts backslashes there, which a code block shows as they are.)
 */
export function codeBlock(text: string): string {
  const body = neutralizeMentions(text.replace(/`/g, `\`${ZWSP}`));
  return fenced(body.length > 0 ? body : " ");
}

/** Characters `codeBlock` adds around its content (fences, newlines), for length budgets. */
export const CODE_BLOCK_OVERHEAD = fenced("").length;

/**
 * A code block whose whole rendering fits `max` characters; the prompt is cut with "…" when needed.
 * Escaping can lengthen the text, so the cut is made on the escaped form and re-checked.
 */
export function codeBlockWithin(text: string, max: number): string {
  let block = codeBlock(text);
  if (block.length <= max) return block;
  let keep = Math.max(0, max - CODE_BLOCK_OVERHEAD - 1);
  for (;;) {
    block = codeBlock(`${cutAt(text, keep)}…`);
    if (block.length <= max || keep === 0) return block;
    keep = Math.max(0, keep - (block.length - max));
  }
}

function cutAt(text: string, keep: number): string {
  let end = Math.min(text.length, keep);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}
