import type { Dispatcher } from "undici";
import { ComfyError } from "./comfy-error.js";
import type { ImageRef } from "./comfy-responses.js";
import { readCapped } from "./read-capped.js";

export interface DownloadedImage {
  bytes: Buffer;
  mime: string;
}

/** Bytes shared by the downloads of one job; `take` throws once they add up to too many. */
export interface ByteBudget {
  take(bytes: number): void;
}

function tooLarge(ref: ImageRef, maxBytes: number): ComfyError {
  return new ComfyError("comfy_output_too_large", `output ${ref.filename} is larger than ${maxBytes} bytes`);
}

/**
 * One `/view` answer, streamed: a non-200 is `comfy_bad_response`; past `maxBytes` (announced by
 * Content-Length or found while reading) it stops with `comfy_output_too_large`.
 */
export async function readViewAnswer(
  response: Dispatcher.ResponseData,
  ref: ImageRef,
  options: { maxBytes: number; budget?: ByteBudget | undefined },
): Promise<DownloadedImage> {
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new ComfyError("comfy_bad_response", `output ${ref.filename} answered ${response.statusCode}`, {
      status: response.statusCode,
    });
  }
  const announced = Number(response.headers["content-length"]);
  if (Number.isFinite(announced) && announced > options.maxBytes) {
    response.body.destroy();
    throw tooLarge(ref, options.maxBytes);
  }
  const read = await readCapped(response.body, options.maxBytes, (bytes) => options.budget?.take(bytes));
  if (read.overflow) throw tooLarge(ref, options.maxBytes);
  const type = response.headers["content-type"];
  const mime = (Array.isArray(type) ? type[0] : type) ?? "application/octet-stream";
  return { bytes: read.bytes, mime: mime.split(";")[0]!.trim() };
}
