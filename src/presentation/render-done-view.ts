import { displayName } from "./display-name.js";
import { codeBlockWithin, neutralizeMentions } from "./escape-text.js";
import { formatDuration } from "./format-duration.js";
import type { JobViewImage, JobViewState } from "./job-view-state.js";
import {
  discordLimits,
  embedLength,
  type EmbedView,
  type FileView,
  type MessageView,
} from "./message-view.js";
import { paramFields } from "./param-fields.js";
import { resultButtons } from "./result-buttons.js";
import { truncate } from "./truncate.js";

const DONE_COLOR = 0x57f287;

/**
 * The finished job: parameters in an embed, the images attached (at most 10): several images as
 * one grid first (the embed shows it) with the originals after it. The result buttons follow
 * (`resultButtons`), with one U and V button per original attached.
 */
export function renderDoneView(state: JobViewState, options: { spoiler: boolean }): MessageView {
  const all = state.images ?? [];
  const grid = all[0]?.grid === true ? all[0] : undefined;
  const images = grid ? all.slice(1) : all;
  const shown = [...(grid ? [grid] : []), ...images].slice(0, discordLimits.files);
  const files = attachImages(shown, state.prompt, options.spoiler);
  const originalsShown = files.length - (grid ? 1 : 0);
  const duration =
    state.startedAt !== undefined && state.finishedAt !== undefined
      ? formatDuration(state.finishedAt - state.startedAt)
      : undefined;

  const lines = [duration === undefined ? "✅ Done" : `✅ Done in ${duration}`];
  if (images.length > originalsShown) {
    lines.push(
      `Showing ${originalsShown} of ${images.length} images (Discord allows ${discordLimits.files} files).`,
    );
  }
  if (images.length === 0) lines.push("The workflow finished without an image.");

  const embed = doneEmbed(state, duration);
  // An embed image is never covered by the spoiler, so spoilered results show only as attachments.
  const first = files[0];
  if (first !== undefined && !options.spoiler) embed.imageFile = first.name;

  const buttons = state.actions && all.length > 0 ? resultButtons(state.actions, originalsShown) : [];
  return { content: lines.join("\n"), embeds: [embed], files, buttons, phase: "done" };
}

function doneEmbed(state: JobViewState, duration: string | undefined): EmbedView {
  const fields = paramFields(state.params);
  if (state.backendLabel !== undefined) {
    fields.push({ name: "Host", value: displayName(state.backendLabel), inline: true });
  }
  if (duration !== undefined) fields.push({ name: "Duration", value: duration, inline: true });

  const footerParts = [`Job ${state.jobId}`];
  if (state.convertedNote !== undefined) footerParts.push(neutralizeMentions(state.convertedNote));
  const embed: EmbedView = {
    color: DONE_COLOR,
    fields,
    footer: truncate(footerParts.join(" · "), 500),
  };
  if (state.finishedAt !== undefined) embed.timestamp = new Date(state.finishedAt).toISOString();
  // The prompt gets whatever the 6000-character embed total leaves, up to the description's own cap.
  const room = Math.min(discordLimits.embedDescription, discordLimits.embedTotal - embedLength(embed));
  embed.description = codeBlockWithin(state.prompt, room);
  return embed;
}

function attachImages(images: JobViewImage[], prompt: string, spoiler: boolean): FileView[] {
  const used = new Set<string>();
  const originals = images.filter((image) => image.grid !== true).length;
  return images.map((image) => {
    const base = uniqueName(safeFilename(image.name, image.mime), used);
    const alt = image.grid === true ? `Grid of ${originals} images: ${prompt}` : prompt;
    const file: FileView = {
      name: spoiler ? `SPOILER_${base}` : base,
      bytes: image.bytes,
      // Alt text for screen readers; Discord caps attachment descriptions at 1024.
      description: truncate(alt, 1024),
    };
    if (spoiler) file.spoiler = true;
    return file;
  });
}

/** `attachment://` references only work with plain names, so anything else becomes "_". */
function safeFilename(original: string, mime: string): string {
  const cleaned = original
    .replace(/^.*[\\/]/, "")
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^[._]+/, "");
  const match = /^(.*?)(\.[A-Za-z0-9]{1,8})?$/.exec(cleaned);
  const stem = (match?.[1] ?? "").slice(0, 80) || "image";
  return stem + (match?.[2] ?? `.${extensionFor(mime)}`);
}

function extensionFor(mime: string): string {
  if (mime === "image/jpeg") return "jpg";
  const subtype = (mime.split("/")[1] ?? "").replace(/[^a-z0-9]/g, "");
  return subtype.length > 0 ? subtype : "png";
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 2; used.has(candidate); n += 1) candidate = name.replace(/(\.[^.]+)?$/, `-${n}$1`);
  used.add(candidate);
  return candidate;
}
