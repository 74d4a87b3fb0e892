import { bold, inlineCode, userMention } from "@discordjs/formatters";
import { relativeTimestamp } from "./discord-timestamp.js";
import { codeBlockWithin, escapeMarkdown, neutralizeMentions } from "./escape-text.js";
import { formatDuration } from "./format-duration.js";
import type { JobViewState } from "./job-view-state.js";
import {
  cancelButtonId,
  discordLimits,
  type ButtonView,
  type EmbedView,
  type FileView,
  type MessageView,
} from "./message-view.js";
import { percent, progressBar } from "./progress-bar.js";
import { renderDoneView } from "./render-done-view.js";
import { truncate } from "./truncate.js";

export interface RenderOptions {
  now: number;
  /** Attach the live preview image (off where previews would be noise or are disabled). */
  previews: boolean;
  /** The job's outputs must be hidden behind Discord's spoiler cover. */
  spoiler: boolean;
}

/** Prompt shown while waiting: enough to recognise the job without filling the screen. */
const PROGRESS_PROMPT_MAX = 600;
/** Host and node names are operator/workflow text; a sane cap keeps the status lines short. */
const LABEL_MAX = 100;

export const colors = {
  queued: 0xfee75c,
  running: 0x5865f2,
  done: 0x57f287,
  failed: 0xed4245,
  cancelled: 0x99aab5,
} as const;

/** Turn a job's state into its message. Pure: same state and options, same view. */
export function renderJobView(state: JobViewState, options: RenderOptions): MessageView {
  switch (state.phase) {
    case "queued":
      return active(state, [queuedLine(state, options.now), ...noticeLines(state)]);
    case "starting":
      return active(state, [startingLine(state)]);
    case "running":
      return renderRunning(state, options);
    case "done":
      return renderDoneView(state, options);
    case "failed":
      return finished(state, failedLines(state));
    case "cancelled":
      return finished(state, [cancelledLine(state)]);
  }
}

function queuedLine(state: JobViewState, now: number): string {
  const parts = ["⏳ Queued"];
  if (state.position !== undefined) parts.push(`position ${state.position}`);
  if (state.etaAt !== undefined) {
    parts.push(state.etaAt > now ? `ready ${relativeTimestamp(state.etaAt)}` : "ready any moment");
  }
  return parts.join(" · ");
}

function noticeLines(state: JobViewState): string[] {
  return state.notice === undefined ? [] : [`⚠️ ${truncate(state.notice, 300)}`];
}

function startingLine(state: JobViewState): string {
  let line = "🚀 Starting";
  if (state.backendLabel !== undefined) line += ` on ${label(state.backendLabel)}`;
  if (state.loadingModel) line += " · loading model…";
  return line;
}

function renderRunning(state: JobViewState, options: RenderOptions): MessageView {
  let head = "🎨 Running";
  if (state.backendLabel !== undefined) head += ` on ${label(state.backendLabel)}`;
  const nodeName = state.node?.title ?? state.node?.classType;
  if (nodeName !== undefined) head += ` · ${label(nodeName)}`;
  const lines = [head, progressLine(state)];

  const timing: string[] = [];
  if (state.startedAt !== undefined) timing.push(`elapsed ${formatDuration(options.now - state.startedAt)}`);
  if (state.etaAt !== undefined) {
    timing.push(state.etaAt > options.now ? `done ${relativeTimestamp(state.etaAt)}` : "finishing…");
  }
  if (timing.length > 0) lines.push(capitalize(timing.join(" · ")));

  const view = active(state, lines);
  if (options.previews && state.preview !== undefined) {
    const extension = state.preview.mime === "image/png" ? "png" : "jpg";
    // An embed image would show through the spoiler cover, so a spoilered preview is a bare attachment.
    const name = `${options.spoiler ? "SPOILER_" : ""}preview.${extension}`;
    const file: FileView = { name, bytes: state.preview.bytes, description: "Live preview" };
    if (options.spoiler) file.spoiler = true;
    view.files = [file];
    if (!options.spoiler) view.embeds = [{ color: colors.running, imageFile: name }];
  }
  return view;
}

function progressLine(state: JobViewState): string {
  const stepFraction =
    state.step !== undefined && state.step.max > 0 ? state.step.value / state.step.max : undefined;
  // `overall` spans every sampler of the prompt, so it is the truer bar when ComfyUI sends it.
  const fraction = state.overall ?? stepFraction;
  if (fraction === undefined) return `${progressBar(0)} working…`;
  const parts = [`${progressBar(fraction)} `];
  if (state.step !== undefined) parts.push(`step ${state.step.value}/${state.step.max} · `);
  parts.push(`${percent(fraction)}%`);
  return parts.join("");
}

function failedLines(state: JobViewState): string[] {
  const message = neutralizeMentions(truncate(state.error?.message ?? "This job failed.", 1200));
  const lines = [`❌ ${message}`];
  if (!message.includes(state.jobId)) lines.push(`Job ${inlineCode(state.jobId)}`);
  return lines;
}

function cancelledLine(state: JobViewState): string {
  const by = state.cancelledBy;
  if (by === undefined) return "🚫 Cancelled";
  // A user mention is safe: it renders as a name and the adapter sends allowed_mentions none.
  if ("userId" in by)
    return /^\d+$/.test(by.userId) ? `🚫 Cancelled by ${userMention(by.userId)}` : "🚫 Cancelled";
  return `🚫 Cancelled by ${label(by.label)}`;
}

/** Queued, starting, running: status lines, the prompt, and a Cancel button. */
function active(state: JobViewState, lines: string[]): MessageView {
  const buttons: ButtonView[] = [{ customId: cancelButtonId(state.jobId), label: "Cancel", style: "danger" }];
  return { content: withPrompt(lines, state.prompt), embeds: [], files: [], buttons, phase: state.phase };
}

/** Failed, cancelled: no embeds, files or buttons left over from the progress message. */
function finished(state: JobViewState, lines: string[]): MessageView {
  const embeds: EmbedView[] = [];
  return { content: withPrompt(lines, state.prompt), embeds, files: [], buttons: [], phase: state.phase };
}

function withPrompt(lines: string[], prompt: string): string {
  const head = truncate(lines.join("\n"), discordLimits.content - 20);
  const room = Math.min(PROGRESS_PROMPT_MAX, discordLimits.content - head.length - 1);
  return truncate(`${head}\n${codeBlockWithin(prompt, room)}`, discordLimits.content);
}

function label(text: string): string {
  return bold(escapeMarkdown(truncate(text, LABEL_MAX)));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
