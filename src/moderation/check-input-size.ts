import type { SettingValues } from "./effective-settings.js";

/**
 * A picture a job starts from, against the channel's size limits: an image-to-image result has
 * the input's size, so an input the channel would not let a member ask for is refused. Read from
 * the header, before anything decodes it, so this is also the guard against decompression bombs.
 * Returns the member's words, naming the limit, or undefined when it fits.
 */
export function checkInputSize(
  size: { width: number; height: number },
  limits: Pick<SettingValues, "maxWidth" | "maxHeight" | "maxPixels">,
): string | undefined {
  const shown = `${size.width}×${size.height}`;
  if (size.width > limits.maxWidth) {
    return `The image is ${shown}, wider than this channel's limit of ${limits.maxWidth} pixels.`;
  }
  if (size.height > limits.maxHeight) {
    return `The image is ${shown}, taller than this channel's limit of ${limits.maxHeight} pixels.`;
  }
  const pixels = size.width * size.height;
  if (pixels > limits.maxPixels) {
    return `The image is ${shown} (${pixels} pixels), above this channel's limit of ${limits.maxPixels} pixels.`;
  }
  return undefined;
}
