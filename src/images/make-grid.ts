import type sharp from "sharp";
import type { ImageFile } from "./fit-attachments.js";

/** The grid's file name: the result buttons tell it from the originals by it. */
export const gridFileName = "comfycord-grid.webp";
/** The grid's longer side at most: big enough to judge each image, small enough to upload. */
const maxSide = 2048;

let loadingSharp: Promise<typeof sharp> | undefined;
/** sharp (libvips) is loaded on the first grid, not at start: a bot posting single images never loads it. */
async function loadSharp(): Promise<typeof sharp> {
  loadingSharp ??= import("sharp").then((module) => module.default);
  return loadingSharp;
}

/**
 * One picture of several: the images in a near-square grid (2×2 for four, 3×2 for five or six),
 * each scaled into an equal cell in order, left to right and top to bottom, as WebP.
 */
export async function makeGrid(images: readonly ImageFile[]): Promise<ImageFile> {
  const sharpOf = await loadSharp();
  const sizes = await Promise.all(images.map(async (image) => sharpOf(image.bytes).metadata()));
  const columns = Math.ceil(Math.sqrt(images.length));
  const rows = Math.ceil(images.length / columns);
  const widest = Math.max(...sizes.map((size) => size.autoOrient.width));
  const tallest = Math.max(...sizes.map((size) => size.autoOrient.height));
  const scale = Math.min(1, maxSide / (columns * widest), maxSide / (rows * tallest));
  const cell = {
    width: Math.max(1, Math.floor(widest * scale)),
    height: Math.max(1, Math.floor(tallest * scale)),
  };
  const tiles = await Promise.all(
    images.map(async (image, index) => ({
      input: await sharpOf(image.bytes)
        .autoOrient()
        .resize({ ...cell, fit: "contain", background: { r: 24, g: 24, b: 27, alpha: 1 } })
        .toBuffer(),
      left: (index % columns) * cell.width,
      top: Math.floor(index / columns) * cell.height,
    })),
  );
  const bytes = await sharpOf({
    create: {
      width: columns * cell.width,
      height: rows * cell.height,
      channels: 3,
      background: { r: 24, g: 24, b: 27 },
    },
  })
    .composite(tiles)
    .webp({ quality: 90 })
    .toBuffer();
  return { name: gridFileName, bytes, mime: "image/webp" };
}
