import { createHash } from "node:crypto";
import sharp from "sharp";
import type { FileStore, FileType } from "./file-store.js";
import { NodeFailure, type SimValue } from "./node-behaviours.js";
import type { ImageRef } from "./prompt-queue.js";
import { insideFolder, splitFolder } from "./python-paths.js";
import { annotatedName } from "./view-route.js";

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

// Extensions Python's mimetypes calls image/*: folder_paths.filter_files_content_types keeps these.
const imageExtensions = new Set([
  "png",
  "jpg",
  "jpeg",
  "jpe",
  "jfif",
  "gif",
  "webp",
  "bmp",
  "tif",
  "tiff",
  "ico",
  "svg",
  "heic",
  "heif",
  "avif",
]);

/** LoadImage's list: names whose extension is an image type (case does not matter). */
export function imageFilesOnly(names: readonly string[]): string[] {
  return names.filter((name) => imageExtensions.has((name.split(".").pop() ?? "").toLowerCase()));
}

/**
 * Where LoadImage looks for a name (folder_paths.get_annotated_filepath): the input folder, or
 * the one a `[output]`/`[temp]` suffix names; `sub/a.png` is `a.png` in `sub`. Undefined for a
 * name outside the folder (the simulator has nothing there).
 */
function locate(name: string): { type: FileType; path: string } | undefined {
  const annotated = annotatedName(name);
  const path = insideFolder(annotated.name);
  return path === undefined ? undefined : { type: annotated.type ?? "input", path };
}

/** exists_annotated_filepath: a file or a folder (`os.path.exists`), the top folder itself included. */
export function inputExists(files: FileStore, name: string): boolean {
  const at = locate(name);
  if (at === undefined) return false;
  return (
    files.hasFolder(at.type, at.path === "." ? "" : at.path) || files.has(at.type, ...splitFolder(at.path))
  );
}

/** The bytes LoadImage would read for this name. */
export function inputBytes(files: FileStore, name: string): Buffer | undefined {
  const at = locate(name);
  return at === undefined || at.path === "." ? undefined : files.get(at.type, ...splitFolder(at.path));
}

/**
 * LoadImage's decode: the picture's size after the EXIF rotation (ImageOps.exif_transpose) and
 * one batch entry per frame. (The bytes' hash is in the node's cache signature, see fileSignature,
 * so everything downstream depends on them.) Bytes no decoder reads fail as PIL does.
 */
export async function loadInputImage(
  files: FileStore,
  name: string,
): Promise<{ width: number; height: number; batch: number }> {
  const bytes = inputBytes(files, name);
  const shown = `COMFYUI_ROOT/${annotatedName(name).type ?? "input"}/${annotatedName(name).name}`;
  if (bytes === undefined) {
    // Validation let it through, so it is a folder (os.path.exists is true for folders).
    throw new NodeFailure(`[Errno 21] Is a directory: '${shown}'`, "IsADirectoryError");
  }
  const metadata = await sharp(bytes)
    .metadata()
    .catch(() => {
      // PIL's message names only the file, whatever sharp found wrong with it.
      throw new NodeFailure(`cannot identify image file '${shown}'`, "PIL.UnidentifiedImageError");
    });
  const rotated = (metadata.orientation ?? 1) >= 5;
  const width = metadata.width ?? 1;
  const height = metadata.height ?? 1;
  return {
    width: rotated ? height : width,
    height: rotated ? width : height,
    batch: metadata.pages ?? 1,
  };
}

/** What ComfyUI's IS_CHANGED adds to a cache key: LoadImage hashes the file, so a re-upload reruns it. */
export function fileSignature(files: FileStore, classType: string, inputs: Record<string, unknown>): string {
  if (classType !== "LoadImage" || typeof inputs["image"] !== "string") return "";
  const bytes = inputBytes(files, inputs["image"]);
  return bytes === undefined ? "" : createHash("sha256").update(bytes).digest("hex");
}
