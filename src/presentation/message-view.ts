/**
 * What a job's Discord message should show, as plain data. The Discord adapter turns it into a
 * discord.js payload; `files` is the message's complete attachment set (replace, never append).
 */
export interface MessageView {
  content: string;
  embeds: EmbedView[];
  files: FileView[];
  buttons?: ButtonView[];
  phase: JobPhase;
}

export type JobPhase = "queued" | "starting" | "running" | "done" | "failed" | "cancelled";

export interface EmbedView {
  title?: string;
  description?: string;
  color?: number;
  fields?: { name: string; value: string; inline?: boolean }[];
  /** Filename of one of the view's files, shown as the embed image (`attachment://name`). */
  imageFile?: string;
  footer?: string;
  /** ISO 8601. */
  timestamp?: string;
}

export interface FileView {
  name: string;
  bytes: Buffer;
  description?: string;
  spoiler?: boolean;
}

export interface ButtonView {
  /** The component's custom id, e.g. `job:cancel:<jobId>` (see `cancelButtonId`). */
  customId: string;
  label: string;
  style: "primary" | "secondary" | "success" | "danger";
  emoji?: string;
  disabled?: boolean;
  /** The action row it sits in, 0 to 4 (default 0); Discord allows 5 buttons per row. */
  row?: number;
}

/** Discord's limits for what a message may hold. */
export const discordLimits = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  embedTotal: 6000,
  files: 10,
  customId: 100,
} as const;

const cancelPrefix = "job:cancel:";

/** Custom id of a job's Cancel button; the interaction router parses it back with `parseCancelButtonId`. */
export function cancelButtonId(jobId: string): string {
  return `${cancelPrefix}${jobId}`;
}

export function parseCancelButtonId(customId: string): string | undefined {
  return customId.startsWith(cancelPrefix) ? customId.slice(cancelPrefix.length) : undefined;
}

/** Characters counted towards an embed's 6000 total (title, description, field names and values, footer). */
export function embedLength(embed: EmbedView): number {
  let total = (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.length ?? 0);
  for (const field of embed.fields ?? []) total += field.name.length + field.value.length;
  return total;
}
