import { escapeMarkdown } from "./escape-text.js";
import { discordLimits } from "./message-view.js";
import { truncate } from "./truncate.js";

/** Model, workflow and host names can be long paths; the field keeps the tail end readable enough. */
const NAME_MAX = 200;

/** Operator text (a checkpoint, a workflow, a host) as an embed field value: escaped and shortened. */
export function displayName(text: string): string {
  const value = escapeMarkdown(truncate(text, NAME_MAX));
  return value.length > 0 ? truncate(value, discordLimits.fieldValue) : "—";
}
