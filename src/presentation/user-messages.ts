import { relativeTimestamp } from "./discord-timestamp.js";
import { neutralizeMentions } from "./escape-text.js";
import { formatWindow } from "./format-duration.js";
import { truncate } from "./truncate.js";

/** What `describeError` may use; every field is optional and the text degrades gracefully without it. */
export interface ErrorContext {
  jobId?: string | undefined;
  /** rate_limited: when the user may try again, epoch ms. */
  retryAt?: number | undefined;
  /** rate_limited: images allowed per window. */
  limit?: number | undefined;
  windowMs?: number | undefined;
  /** too_many_queued: the per-user cap. */
  maxQueued?: number | undefined;
  /** queue_full: jobs waiting now. */
  queueSize?: number | undefined;
  /** Text already written for the user (moderation refusals, workflow parameter errors): passed through. */
  message?: string | undefined;
  /** A short technical detail worth showing (ComfyUI's validation message). */
  detail?: string | undefined;
  /** comfy_execution: the node that raised. */
  node?: string | undefined;
  outOfMemory?: boolean | undefined;
  /** comfy_timeout: which deadline passed (see ComfyTimeoutKind). */
  timeout?: string | undefined;
  /** comfy_output_too_large: the upload limit in bytes. */
  maxBytes?: number | undefined;
  workflow?: string | undefined;
}

const operatorHint = "The bot's operator can find the details in the log.";

/**
 * The one place error codes become the user's words: queue decisions, moderation refusals, the
 * ComfyUI client's `comfy_*` codes, workflow errors, and a short apology for anything else.
 */
export function describeError(code: string, context: ErrorContext = {}): string {
  const job = context.jobId === undefined ? "your job" : `job \`${context.jobId}\``;
  const Job = context.jobId === undefined ? "Your job" : `Job \`${context.jobId}\``;
  switch (code) {
    case "rate_limited": {
      const again = context.retryAt === undefined ? "in a moment" : relativeTimestamp(context.retryAt);
      if (context.limit === undefined || context.windowMs === undefined) {
        return `You're asking for images too fast — try again ${again}.`;
      }
      const images = context.limit === 1 ? "image" : "images";
      return `You've hit the limit of ${context.limit} ${images} per ${formatWindow(context.windowMs)} — try again ${again}.`;
    }
    case "too_many_queued":
      return context.maxQueued === undefined
        ? "You already have as many jobs waiting as allowed — wait for one to finish before adding another."
        : `You already have ${context.maxQueued} jobs waiting — wait for one to finish before adding another.`;
    case "queue_full":
      return context.queueSize === undefined
        ? "The queue is full right now — try again in a few minutes."
        : `The queue is full right now (${context.queueSize} jobs waiting) — try again in a few minutes.`;
    case "refused":
      return passThrough(context.message, "That request isn't allowed here.");
    case "comfy_unreachable":
      return "The image server is unreachable; your job stays queued and will start when it's back.";
    case "comfy_validation": {
      const detail = context.detail === undefined ? "" : `: ${oneLine(context.detail)}`;
      return `The image server rejected the workflow of ${job}${detail}. The workflow may need fixing by the bot's operator.`;
    }
    case "comfy_execution":
      if (context.outOfMemory) return "The GPU ran out of memory — try a smaller size or fewer images.";
      return context.node === undefined
        ? `${Job} failed on the image server. Try again, or change the settings.`
        : `${Job} failed on the image server in ${oneLine(context.node)}. Try again, or change the settings.`;
    case "comfy_interrupted":
      return `${Job} was stopped on the image server from outside the bot.`;
    case "comfy_cancelled":
      return `${Job} was cancelled.`;
    case "comfy_lost":
      return `The image server restarted and lost ${job} — please run it again.`;
    case "comfy_timeout":
      return timeoutText(Job, context.timeout);
    case "comfy_output_too_large": {
      const limit = context.maxBytes === undefined ? "" : ` (limit ${formatMiB(context.maxBytes)})`;
      return `The image from ${job} is too large to upload here${limit} — try a smaller size.`;
    }
    case "comfy_bad_response":
      return `The image server sent an unexpected reply for ${job}. ${operatorHint}`;
    case "no_backend": {
      const what =
        context.workflow === undefined ? "this workflow" : `the ${oneLine(context.workflow)} workflow`;
      return `No image server here can run ${what} right now. ${operatorHint}`;
    }
    case "unknown_workflow":
      return context.workflow === undefined
        ? "That workflow doesn't exist here."
        : `There is no workflow called ${oneLine(context.workflow)} here.`;
    case "param_out_of_range":
    case "param_not_offered":
    case "bad_value":
      return passThrough(context.message, "One of the options isn't valid for this workflow.");
    default:
      return context.jobId === undefined
        ? `Sorry, something went wrong. ${operatorHint}`
        : `Sorry, something went wrong with job \`${context.jobId}\`. ${operatorHint}`;
  }
}

function timeoutText(Job: string, kind: string | undefined): string {
  if (kind === "start") {
    return `${Job} waited too long to start on the image server and was given up. Please try again.`;
  }
  if (kind === "node_inactivity")
    return `${Job} stalled on the image server and was stopped. Please try again.`;
  return `${Job} took too long and was stopped. Try a smaller size or fewer steps.`;
}

function passThrough(message: string | undefined, fallback: string): string {
  return message === undefined || message.trim() === ""
    ? fallback
    : neutralizeMentions(truncate(message, 1500));
}

/** Technical text from ComfyUI: one line, no mentions, no code-span breakouts, short. */
function oneLine(text: string): string {
  return neutralizeMentions(truncate(text.replace(/\s+/g, " ").replace(/`/g, "'").trim(), 200));
}

function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}
