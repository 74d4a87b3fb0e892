import type { SettingValues } from "./effective-settings.js";
import { compileTermMatcher } from "./term-matcher.js";

/**
 * What the user asked for. Pass the values that will actually run (the workflow's defaults
 * filled in), so the limits apply to them and not only to what the user typed.
 */
export interface GenerateRequest {
  prompt: string;
  negative?: string | undefined;
  steps?: number | undefined;
  width?: number | undefined;
  height?: number | undefined;
  count?: number | undefined;
  workflow: string;
  model?: string | undefined;
  /** The user asked for NSFW output (an option or a workflow flag). */
  nsfw?: boolean | undefined;
}

export interface ChannelContext {
  /** Age-restricted channel; for threads, the parent's flag. */
  channelNsfw: boolean;
}

export type RefusalCode =
  | "disabled"
  | "banned_term"
  | "too_many_steps"
  | "too_large"
  | "too_many_images"
  | "workflow_not_allowed"
  | "model_not_allowed"
  | "nsfw_not_allowed";

export interface Refusal {
  ok: false;
  reason: RefusalCode;
  /** For the user; never contains a banned term. */
  message: string;
  /** For the log and the mod log only: the matched term and where. */
  detail?: string;
  nsfwAllowed: boolean;
}

export interface Approval {
  ok: true;
  /** The request to run: `negative` carries the channel's prefix and SFW terms. */
  adjusted: GenerateRequest & { negative: string };
  /** Pass on to workflows that have an NSFW switch. */
  nsfwAllowed: boolean;
}

export type Verdict = Approval | Refusal;

/** NSFW output is allowed when the setting is "on", or "follow-channel" in an age-restricted channel. */
export function isNsfwAllowed(settings: Pick<SettingValues, "nsfw">, context: ChannelContext): boolean {
  return settings.nsfw === "on" || (settings.nsfw === "follow-channel" && context.channelNsfw);
}

/**
 * The moderation verdict for one request. Over-limit values are refused with the exact
 * limit rather than clamped: a silently shrunk image or step count looks like a bug, and
 * the user can resend with the number the message gives.
 */
export function checkGenerate(
  request: GenerateRequest,
  settings: SettingValues,
  context: ChannelContext,
): Verdict {
  const nsfwAllowed = isNsfwAllowed(settings, context);
  const refuse = (reason: RefusalCode, message: string, detail?: string): Refusal =>
    detail === undefined
      ? { ok: false, reason, message, nsfwAllowed }
      : { ok: false, reason, message, detail, nsfwAllowed };

  if (!settings.enabled) return refuse("disabled", "Image generation is turned off in this channel.");

  const matcher = compileTermMatcher(settings.bannedTerms);
  const fields: ["prompt" | "negative prompt", string | undefined][] = [
    ["prompt", request.prompt],
    ["negative prompt", request.negative],
  ];
  for (const [field, text] of fields) {
    const term = text === undefined ? undefined : matcher.match(text);
    if (term !== undefined) {
      return refuse(
        "banned_term",
        `Your ${field} contains a term that is not allowed in this channel. Please rephrase it.`,
        `matched ${JSON.stringify(term)} in the ${field}`,
      );
    }
  }

  if (settings.workflows.length > 0 && !settings.workflows.includes(request.workflow)) {
    return refuse(
      "workflow_not_allowed",
      `The workflow "${request.workflow}" is not allowed in this channel. Allowed: ${settings.workflows.join(", ")}.`,
    );
  }
  if (request.model !== undefined && settings.models.length > 0 && !settings.models.includes(request.model)) {
    return refuse(
      "model_not_allowed",
      `The model "${request.model}" is not allowed in this channel. Allowed: ${settings.models.join(", ")}.`,
    );
  }
  if (request.steps !== undefined && request.steps > settings.maxSteps) {
    return refuse(
      "too_many_steps",
      `Steps ${request.steps} is above this channel's limit of ${settings.maxSteps}.`,
    );
  }
  const size = checkSize(request, settings);
  if (size !== undefined) return refuse("too_large", size);
  if (request.count !== undefined && request.count > settings.maxCount) {
    return refuse(
      "too_many_images",
      `${request.count} images is above this channel's limit of ${settings.maxCount} per request.`,
    );
  }
  if (request.nsfw === true && !nsfwAllowed) {
    return refuse(
      "nsfw_not_allowed",
      settings.nsfw === "off"
        ? "NSFW images are not allowed here."
        : "NSFW images are only allowed in age-restricted channels.",
    );
  }

  const negative = [settings.negativePrefix, nsfwAllowed ? "" : settings.sfwNegative, request.negative ?? ""]
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .join(", ");
  return { ok: true, adjusted: { ...request, negative }, nsfwAllowed };
}

function checkSize(request: GenerateRequest, settings: SettingValues): string | undefined {
  const { width, height } = request;
  if (width !== undefined && width > settings.maxWidth) {
    return `Width ${width} is above this channel's limit of ${settings.maxWidth} pixels.`;
  }
  if (height !== undefined && height > settings.maxHeight) {
    return `Height ${height} is above this channel's limit of ${settings.maxHeight} pixels.`;
  }
  if (width !== undefined && height !== undefined && width * height > settings.maxPixels) {
    const side = Math.floor(Math.sqrt(settings.maxPixels) / 64) * 64;
    return (
      `${width}×${height} is ${width * height} pixels, above this channel's limit of ${settings.maxPixels}` +
      (side > 0 ? ` (for example ${side}×${side} fits).` : ".")
    );
  }
  return undefined;
}
