import type { GenerationRequest, JobParams } from "../request/generation-request.js";
import type { ChannelLimit } from "../request/param-row.js";
import { paramRows, type ParamName } from "../request/param-table.js";
import type { SettingValues } from "./effective-settings.js";
import { compileTermMatcher } from "./term-matcher.js";

/** One request as moderation sees it. */
export interface GenerateCheck {
  /**
   * What the member asked for, in their own words: banned terms are looked for here, and the
   * channel's list of styles applies to its `style`.
   */
  request: GenerationRequest;
  /**
   * The values that will run (the workflow's defaults filled in), so the channel's limits apply
   * to them and not only to what the member typed. Its `prompt` is the one drawn (a style's
   * template around the member's words): banned terms are looked for there too.
   */
  params: JobParams;
  workflow: string;
  /** The member asked for NSFW output (an option or a workflow flag). */
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
  | "style_not_allowed"
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
  /** The negative prompt to run: the channel's prefix and SFW terms, then the built one. */
  negative: string;
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
 * the user can resend with the number the message gives. The limits are the parameter table's.
 */
export function checkGenerate(
  check: GenerateCheck,
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
  for (const row of paramRows) {
    const text = row.type.kind === "text" ? check.request[row.name] : undefined;
    const term = typeof text === "string" ? matcher.match(text) : undefined;
    if (term !== undefined) {
      return refuse(
        "banned_term",
        `Your ${row.label} contains a term that is not allowed in this channel. Please rephrase it.`,
        `matched ${JSON.stringify(term)} in the ${row.label}`,
      );
    }
  }
  // The prompt drawn is the member's words inside the style's template: a term the style adds
  // ends up in the image as surely as one the member typed. (The negative's additions, the
  // channel's prefix and a style's negative, are not looked at: they keep things out.)
  const drawn = check.params.prompt;
  const styleTerm = drawn !== check.request.prompt ? matcher.match(drawn) : undefined;
  if (styleTerm !== undefined) {
    const style = check.request.style === undefined ? "chosen" : `"${check.request.style}"`;
    return refuse(
      "banned_term",
      `The ${style} style adds a term that is not allowed in this channel. Please choose another style.`,
      `matched ${JSON.stringify(styleTerm)} in the prompt with the style ${check.request.style ?? "(none)"}`,
    );
  }

  const values: Partial<Record<ParamName, string | number | undefined>> = {
    // The style is resolved at admission, so it is a request value, not a built one.
    style: check.request.style,
    ...check.params,
    workflow: check.workflow,
  };
  for (const row of paramRows) {
    const value = values[row.name];
    const refusal = row.limit && value !== undefined ? checkLimit(row.limit, value, settings) : undefined;
    if (refusal !== undefined && row.limit) return refuse(row.limit.refusal, refusal);
  }
  const pixels = checkPixels(check.params, settings);
  if (pixels !== undefined) return refuse("too_large", pixels);
  if (check.nsfw === true && !nsfwAllowed) {
    return refuse(
      "nsfw_not_allowed",
      settings.nsfw === "off"
        ? "NSFW images are not allowed here."
        : "NSFW images are only allowed in age-restricted channels.",
    );
  }

  const negative = [
    settings.negativePrefix,
    nsfwAllowed ? "" : settings.sfwNegative,
    check.params.negative ?? "",
  ]
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .join(", ");
  return { ok: true, negative, nsfwAllowed };
}

/**
 * The channel's rule for one parameter on its own, for a refusal that must come before the rest
 * is built (a style not allowed here is refused before its workflow is looked at).
 */
export function checkParamLimit(
  name: ParamName,
  value: string | number,
  settings: SettingValues,
): { reason: RefusalCode; message: string } | undefined {
  const limit = paramRows.find((row) => row.name === name)?.limit;
  const message = limit ? checkLimit(limit, value, settings) : undefined;
  return limit && message !== undefined ? { reason: limit.refusal, message } : undefined;
}

/** The member's words when `value` breaks the channel's rule, undefined when it keeps it. */
function checkLimit(
  limit: ChannelLimit,
  value: string | number,
  settings: SettingValues,
): string | undefined {
  switch (limit.kind) {
    case "max": {
      const max = settings[limit.setting];
      return typeof value === "number" && value > max ? fill(limit.message, { value, max }) : undefined;
    }
    case "oneOf": {
      const allowed = settings[limit.setting];
      if (allowed.length === 0 || allowed.includes(String(value))) return undefined;
      return fill(limit.message, { value, allowed: allowed.join(", ") });
    }
  }
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => String(values[key] ?? whole));
}

/** Width and height each within their limits can still make too many pixels together. */
function checkPixels(params: JobParams, settings: SettingValues): string | undefined {
  const { width, height } = params;
  if (width === undefined || height === undefined || width * height <= settings.maxPixels) return undefined;
  const side = Math.floor(Math.sqrt(settings.maxPixels) / 64) * 64;
  return (
    `${width}×${height} is ${width * height} pixels, above this channel's limit of ${settings.maxPixels}` +
    (side > 0 ? ` (for example ${side}×${side} fits).` : ".")
  );
}
