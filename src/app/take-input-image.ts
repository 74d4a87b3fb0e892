import type { Logger } from "pino";
import { downloadImage, type DownloadOutcome } from "../images/download-image.js";
import { inspectImage } from "../images/inspect-image.js";
import { checkInputSize } from "../moderation/check-input-size.js";
import type { SettingValues } from "../moderation/effective-settings.js";
import type { InputSpool } from "../queue/input-spool.js";

export type InputRefusalCode =
  "image_input_off" | "too_large" | "wrong_type" | "too_many_pixels" | "download_failed";

export type TakenInput =
  | { ok: true; ref: string; width: number; height: number }
  | { ok: false; code: InputRefusalCode; message: string };

export interface TakeInputDeps {
  inputs: Pick<InputSpool, "keep">;
  /** `actions.maxInputBytes`: the most the bot downloads. */
  maxBytes: number;
  logger: Logger;
  download?: (url: string, options: { maxBytes: number }) => Promise<DownloadOutcome>;
}

export interface TakeInputRequest {
  /** Where Discord serves the picture (checked to be Discord's CDN by the caller). */
  url: string;
  /** The size Discord reports, when it does: a bigger file is refused without downloading it. */
  declaredBytes?: number | undefined;
  /** The member whose job will use it. */
  ownerId: string;
  settings: Pick<SettingValues, "imageInput" | "maxWidth" | "maxHeight" | "maxPixels">;
  /**
   * A member's attachment follows the channel's `imageInput`; a result the bot posted (Vary,
   * Upscale) is not a member's upload and does not.
   */
  source: "attachment" | "result";
}

/** A byte limit as an operator wrote it, roughly: `10 MiB`, `2 KiB`. */
function sizeOf(bytes: number): string {
  const [amount, unit] = bytes >= 1024 * 1024 ? [bytes / 1024 / 1024, "MiB"] : [bytes / 1024, "KiB"];
  return `${Number.isInteger(amount) ? amount : amount.toFixed(1)} ${unit}`;
}

/**
 * A picture from Discord made ready for a job: allowed here, downloaded with the size cap,
 * recognised by its bytes as PNG, JPEG or WebP, within the channel's size limits (read from its
 * header), and kept in the input spool. Resolves with the job's `image` reference or the member's
 * words for the refusal, which name the limit. Rejects only when the spool could not keep it.
 */
export async function takeInputImage(deps: TakeInputDeps, input: TakeInputRequest): Promise<TakenInput> {
  const refuse = (code: InputRefusalCode, message: string): TakenInput => ({ ok: false, code, message });
  const tooLarge = `The image is larger than ${sizeOf(deps.maxBytes)}, the most the bot takes.`;
  if (input.source === "attachment" && !input.settings.imageInput) {
    return refuse("image_input_off", "Attached images are turned off in this channel (setting imageInput).");
  }
  if (input.declaredBytes !== undefined && input.declaredBytes > deps.maxBytes)
    return refuse("too_large", tooLarge);
  const downloaded = await (deps.download ?? downloadImage)(input.url, { maxBytes: deps.maxBytes });
  if (!downloaded.ok) {
    if (downloaded.problem === "too_large") return refuse("too_large", tooLarge);
    deps.logger.warn(
      { detail: downloaded.detail, source: input.source },
      "could not download an input image",
    );
    return refuse(
      "download_failed",
      "The image could not be downloaded from Discord. Try again in a moment.",
    );
  }
  const inspected = inspectImage(downloaded.bytes);
  if (!inspected.ok) {
    deps.logger.info({ problem: inspected.problem, detail: inspected.detail }, "input image refused");
    return refuse(
      "wrong_type",
      inspected.problem === "animated"
        ? "Animated images are not taken: attach a still PNG, JPEG or WebP."
        : "That file is not a PNG, JPEG or WebP image (the bot reads the file, not its name).",
    );
  }
  const tooBig = checkInputSize(inspected, input.settings);
  if (tooBig !== undefined) return refuse("too_many_pixels", tooBig);
  const ref = await deps.inputs.keep(input.ownerId, {
    bytes: downloaded.bytes,
    contentType: inspected.contentType,
  });
  return { ok: true, ref, width: inspected.width, height: inspected.height };
}
