import { inlineCode } from "@discordjs/formatters";
import type { JobError } from "../queue/job-error.js";
import { neutralizeMentions } from "./escape-text.js";
import { truncate } from "./truncate.js";

const operatorHint = "The bot's operator can find the details in the log.";

/** What `describeJobError` may add to the text; every field is optional. */
export interface JobErrorContext {
  jobId?: string | undefined;
  workflow?: string | undefined;
  /** For `comfy_output_too_large`: the upload limit in bytes. */
  maxBytes?: number | undefined;
}

/**
 * A failed job in the member's words. The switch covers every `JobErrorCode` with no default:
 * a new code does not compile until it has a text here.
 */
export function describeJobError(error: JobError, context: JobErrorContext = {}): string {
  const job = context.jobId === undefined ? "your job" : `job ${inlineCode(context.jobId)}`;
  const Job = context.jobId === undefined ? "Your job" : `Job ${inlineCode(context.jobId)}`;
  switch (error.code) {
    case "comfy_unreachable":
      return unreachableNotice;
    case "comfy_validation":
      return `The image server rejected the workflow of ${job}: ${oneLine(error.message)}. The workflow may need fixing by the bot's operator.`;
    case "comfy_execution":
      if (error.outOfMemory === true)
        return "The GPU ran out of memory — try a smaller size or fewer images.";
      return error.node === undefined
        ? `${Job} failed on the image server. Try again, or change the settings.`
        : `${Job} failed on the image server in ${oneLine(error.node)}. Try again, or change the settings.`;
    case "comfy_interrupted":
      return `${Job} was stopped on the image server from outside the bot.`;
    case "comfy_lost":
      return `The image server restarted and lost ${job} — please run it again.`;
    case "comfy_timeout":
      return timeoutText(Job, error.timeout);
    case "comfy_output_too_large": {
      const limit = context.maxBytes === undefined ? "" : ` (limit ${formatMiB(context.maxBytes)})`;
      return `The images from ${job} are more than this bot accepts${limit} — try a smaller size or fewer images.`;
    }
    case "comfy_bad_response":
      return `The image server sent an unexpected reply for ${job}. ${operatorHint}`;
    case "no_backend": {
      const what =
        context.workflow === undefined ? "this workflow" : `the ${oneLine(context.workflow)} workflow`;
      return `No image server here can run ${what} right now. ${operatorHint}`;
    }
    case "refused":
      return passThrough(error.message, "That request isn't allowed here any more.");
    case "undelivered":
      return `The image from ${job} was made but could not be posted here. ${operatorHint}`;
    case "invalid_params":
      return passThrough(error.message, "One of the options isn't valid for this workflow any more.");
    case "input_missing":
      return `The picture ${job} starts from is no longer kept (results and their pictures are kept for a limited time, and /forget-me deletes them).`;
    case "internal":
      return describeUnexpectedError(context.jobId);
  }
}

/** When Discord will not tell the bot which channel a thread belongs to, so its rules are unknown. */
export const unknownThreadParentNotice =
  "I can't tell which channel this thread belongs to, so I can't apply its rules here. Try the channel itself, or ask a moderator to add me to this thread.";

/** For members whose job waits while no image server answers. */
export const unreachableNotice =
  "The image server is unreachable; your job stays queued and will start when it's back.";

/** A short apology with a reference an operator can find in the log. */
export function describeUnexpectedError(reference?: string): string {
  return reference === undefined
    ? `Sorry, something went wrong. ${operatorHint}`
    : `Sorry, something went wrong with job ${inlineCode(reference)}. ${operatorHint}`;
}

/** Text written for the member elsewhere (a refusal): passed through, without pinging anyone. */
export function passThrough(message: string | undefined, fallback: string): string {
  return message === undefined || message.trim() === ""
    ? fallback
    : neutralizeMentions(truncate(message, 1500));
}

function timeoutText(Job: string, kind: JobError["timeout"]): string {
  if (kind === "start") {
    return `${Job} waited too long to start on the image server and was given up. Please try again.`;
  }
  if (kind === "node_inactivity")
    return `${Job} stalled on the image server and was stopped. Please try again.`;
  return `${Job} took too long and was stopped. Try a smaller size or fewer steps.`;
}

/** Technical text from ComfyUI: one line, no mentions, no code-span breakouts, short. */
function oneLine(text: string): string {
  return neutralizeMentions(truncate(text.replace(/\s+/g, " ").replace(/`/g, "'").trim(), 200));
}

function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}
