import { channelMention, userMention } from "@discordjs/formatters";
import type { Refusal } from "../moderation/check-generate.js";
import { escapeMarkdown } from "./escape-text.js";

export interface RefusalContext {
  userId: string;
  channelId: string;
}

/**
 * One short line for the mod-log channel about a refused request. Unlike the user's
 * message it may name the matched term; it never quotes the whole prompt. The detail can hold
 * a member's own text (a model name they typed), so it is escaped: a masked link or a mention in
 * it stays visible text in the moderators' channel.
 */
export function describeRefusalForModLog(verdict: Refusal, context: RefusalContext): string {
  const base = `Refused /generate from ${userMention(context.userId)} (${context.userId}) in ${channelMention(context.channelId)}: ${verdict.reason}`;
  // The matched term is a moderator's, and may be a /regex/ full of markdown characters.
  const detail = escapeMarkdown(verdict.detail ?? verdict.message);
  const line = `${base}, ${detail}`;
  // Discord messages cap at 2000 characters; a regex term can be long.
  return line.length > 1900 ? `${line.slice(0, 1899)}…` : line;
}
