import { formatSettingValue, type SettingChange } from "../moderation/settings-editor.js";
import type { SettingKey } from "../moderation/settings-schema.js";
import { escapeMarkdown } from "./escape-text.js";

/**
 * The mod-log line for one `/settings` change. Values are text someone typed (a prefix, banned
 * terms, model names), so they are escaped: a masked link or a mention stays visible text. The
 * channel and role mentions the bot writes itself, from validated ids, stay live.
 */
export function describeSettingChangeForModLog(change: SettingChange, userId: string): string {
  const where = change.scope.kind === "server" ? "server" : `channel <#${change.scope.channelId}>`;
  const before = shown(change.key, change.before);
  const after = shown(change.key, change.after);
  return `⚙️ <@${userId}> changed ${change.key} (${where}): ${before} → ${after}`;
}

function shown(key: SettingKey, value: unknown): string {
  const text = formatSettingValue(key, value);
  return key === "modLogChannel" || key === "roleGrants" ? text : escapeMarkdown(text);
}
