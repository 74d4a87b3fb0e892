import {
  bold,
  hyperlink,
  inlineCode,
  italic,
  messageLink as discordMessageLink,
  quote,
  userMention,
} from "@discordjs/formatters";
import { relativeTimestamp } from "./discord-timestamp.js";
import { escapeMarkdown } from "./escape-text.js";
import { truncate } from "./truncate.js";
import type { ResultEntry, ResultPage } from "../history/result-store.js";

/** Results per `/history` page: five entries with their prompts stay well inside 2,000 characters. */
export const historyPageSize = 5;
const promptChars = 150;

export interface HistoryPageInput {
  result: ResultPage;
  /** Zero-based. */
  pageIndex: number;
  pageSize?: number;
  /** Whose history: the caller's own, or a member a moderator looks up. */
  subjectId: string;
  self: boolean;
  retentionDays: number;
}

export interface HistoryPageView {
  content: string;
  pages: number;
  hasNewer: boolean;
  hasOlder: boolean;
}

/** A link that opens the result message in the client. */
export function messageLink(entry: Pick<ResultEntry, "guildId" | "channelId" | "messageId">): string {
  return discordMessageLink(entry.channelId, entry.messageId, entry.guildId);
}

/** The text of one `/history` page (the buttons are the Discord layer's). */
export function renderHistoryPage(input: HistoryPageInput): HistoryPageView {
  const pageSize = input.pageSize ?? historyPageSize;
  const { total, entries } = input.result;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const whose = input.self ? "Your" : `${userMention(input.subjectId)}'s`;
  if (total === 0) {
    const who = input.self ? "You have" : `${userMention(input.subjectId)} has`;
    return {
      content: `${who} no generations in this server (results are kept for ${input.retentionDays} days).`,
      pages,
      hasNewer: false,
      hasOlder: false,
    };
  }
  const first = input.pageIndex * pageSize;
  const header = `${bold(`${whose} generations in this server`)} · page ${input.pageIndex + 1}/${pages} · ${total} in all`;
  const lines = entries.map((entry, index) => renderEntry(entry, first + index + 1));
  const footer =
    entries.length === 0
      ? italic("Nothing on this page any more.")
      : italic(`Kept for ${input.retentionDays} days.`);
  return {
    content: [header, ...lines, footer].join("\n"),
    pages,
    hasNewer: input.pageIndex > 0,
    hasOlder: first + pageSize < total,
  };
}

function renderEntry(entry: ResultEntry, number: number): string {
  const { prompt, seed } = entry.params;
  const seedText = seed === undefined ? "" : `seed ${inlineCode(String(seed))}`;
  const facts = [relativeTimestamp(entry.createdAt), escapeMarkdown(entry.workflow), seedText]
    .filter((part) => part.length > 0)
    .join(" · ");
  const quoted = escapeMarkdown(truncate(prompt.replace(/\s+/g, " ").trim(), promptChars));
  const heading = `${bold(`${number}.`)} ${facts} · ${hyperlink("open", messageLink(entry))}`;
  return `${heading}\n${quote(quoted.length > 0 ? quoted : italic("(no prompt)"))}`;
}
