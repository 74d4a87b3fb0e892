import type sharp from "sharp";

export interface ImageFile {
  name: string;
  bytes: Buffer;
  mime: string;
}

export interface FittedImages {
  images: ImageFile[];
  /** Set when any image was converted or shrunk, so the message can say so. */
  note: string | undefined;
}

/** Discord refuses a message whose whole request exceeds 25 MiB, whatever the per-file limit. */
export const maxRequestBytes = 25 * 1024 * 1024;

/**
 * Keeps ComfyUI's original PNG bytes (with the workflow embedded, so results can be dragged back
 * into ComfyUI) whenever they fit the interaction's `attachment_size_limit`; otherwise converts
 * to high-quality WebP, then shrinks, until the file fits. The note says what happened.
 */
export async function fitAttachments(
  images: readonly ImageFile[],
  perFileLimit: number,
): Promise<FittedImages> {
  // Leave room for the JSON part of the multipart request.
  const perFileBudget = Math.min(
    perFileLimit,
    Math.floor((maxRequestBytes - 64 * 1024) / Math.max(1, images.length)),
  );
  const fitted: ImageFile[] = [];
  const changes: string[] = [];
  for (const image of images) {
    if (image.bytes.length <= perFileBudget) {
      fitted.push(image);
      continue;
    }
    const smaller = await shrink(image, perFileBudget);
    fitted.push(smaller.image);
    changes.push(smaller.how);
  }
  const note =
    changes.length === 0
      ? undefined
      : `The original ${images.length === 1 ? "image was" : "images were"} larger than Discord allows here (${formatMiB(perFileBudget)}): ${[...new Set(changes)].join("; ")}.`;
  return { images: fitted, note };
}

/**
 * sharp (libvips and its native binding) is loaded on the first image that does not fit, not at
 * start: most results go out as ComfyUI made them, and the bot then never pays for loading it.
 */
let loadingSharp: Promise<typeof sharp> | undefined;
async function loadSharp(): Promise<typeof sharp> {
  loadingSharp ??= import("sharp").then((module) => module.default);
  return loadingSharp;
}

async function shrink(image: ImageFile, budget: number): Promise<{ image: ImageFile; how: string }> {
  const sharp = await loadSharp();
  const base = image.name.replace(/\.[a-z0-9]+$/i, "");
  const webp = await sharp(image.bytes).webp({ quality: 90 }).toBuffer();
  if (webp.length <= budget) {
    return {
      image: { name: `${base}.webp`, bytes: webp, mime: "image/webp" },
      how: "sent as high-quality WebP",
    };
  }
  const metadata = await sharp(image.bytes).metadata();
  let width = metadata.width ?? 2048;
  let quality = 85;
  let bytes = webp;
  // Each pass scales by the square root of the size ratio (bytes grow with area), with margin.
  // Detailed images (noise, grain) can stay over a small limit even at 64 px: then quality drops
  // too, and width may go on down to 16 px. A file that still does not fit is sent anyway, and
  // Discord's refusal is told in the message like any other.
  for (let pass = 0; pass < 12 && bytes.length > budget; pass++) {
    const scaled = Math.floor(width * Math.sqrt(budget / bytes.length) * 0.9);
    if (scaled < 64 && quality > 40) quality -= 15;
    width = Math.max(scaled < 64 ? 16 : 64, scaled);
    bytes = await sharp(image.bytes).resize({ width }).webp({ quality }).toBuffer();
  }
  return {
    image: { name: `${base}.webp`, bytes, mime: "image/webp" },
    how: `downscaled to ${width} px wide WebP`,
  };
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes >= 10 * 1024 * 1024 ? 0 : 1)} MiB`;
}
