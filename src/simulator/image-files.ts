import { createHash } from "node:crypto";
import type { FileStore } from "./file-store.js";
import type { SimValue } from "./node-behaviours.js";
import { pngDimensions } from "./png-renderer.js";
import type { ImageRef } from "./prompt-queue.js";

export interface SaveOptions {
  prompt: unknown;
  extraPngInfo: Record<string, unknown> | undefined;
  padBytes: number;
  maxSide: number;
}

/** SaveImage/PreviewImage: `<prefix>_<5-digit counter>_.png`, one file per batch image; a `/` in the prefix makes a subfolder. */
export function saveImages(
  files: FileStore,
  images: SimValue,
  type: "output" | "temp",
  prefix: string,
  options: SaveOptions,
): ImageRef[] {
  const slash = prefix.lastIndexOf("/");
  const subfolder = slash === -1 ? "" : prefix.slice(0, slash);
  const base = slash === -1 ? prefix : prefix.slice(slash + 1);
  const refs: ImageRef[] = [];
  for (let b = 0; b < Math.max(1, images.batch); b++) {
    const counter = files.nextCounter(type, subfolder, base);
    const filename = `${base}_${String(counter).padStart(5, "0")}_.png`;
    files.addRecipe(type, subfolder, filename, {
      key: `${images.key}#${b}`,
      width: images.width,
      height: images.height,
      prompt: options.prompt,
      ...(options.extraPngInfo === undefined ? {} : { extraPngInfo: options.extraPngInfo }),
      padBytes: options.padBytes,
      maxSide: options.maxSide,
    });
    refs.push({ filename, subfolder, type });
  }
  return refs;
}

/** An uploaded file as LoadImage names it (`sub/name.png` or `name.png`). */
export function inputBytes(files: FileStore, name: string): Buffer | undefined {
  const slash = name.lastIndexOf("/");
  return slash === -1
    ? files.get("input", "", name)
    : files.get("input", name.slice(0, slash), name.slice(slash + 1));
}

export function inputImage(
  files: FileStore,
  name: string,
): { key: string; width: number; height: number } | undefined {
  const bytes = inputBytes(files, name);
  if (bytes === undefined) return undefined;
  const size = pngDimensions(bytes) ?? { width: 512, height: 512 };
  return { key: createHash("sha256").update(bytes).digest("hex"), ...size };
}

/** What ComfyUI's IS_CHANGED adds to a cache key: LoadImage hashes the file, so a re-upload reruns it. */
export function fileSignature(files: FileStore, classType: string, inputs: Record<string, unknown>): string {
  if (classType !== "LoadImage" || typeof inputs["image"] !== "string") return "";
  const bytes = inputBytes(files, inputs["image"]);
  return bytes === undefined ? "" : createHash("sha256").update(bytes).digest("hex");
}
