import { renderPng, type ImageRecipe } from "./png-renderer.js";
import { insideFolder } from "./python-paths.js";

export type FileType = "output" | "temp" | "input";

interface StoredFile {
  recipe?: ImageRecipe;
  bytes?: Buffer;
}

const renderedCacheSize = 16;

/** A folder below input/output/temp as a key part: normalised, `""` for the top level. */
function folderKey(subfolder: string): string {
  const normal = insideFolder(subfolder) ?? subfolder;
  return normal === "." ? "" : normal;
}

/**
 * ComfyUI's output/temp/input folders, in memory. Generated images are kept as recipes and rendered
 * on demand (with a small cache) so long benchmarks with padded 1 MB PNGs do not hold every file.
 * Folders are normalised like paths (`a/./b` is `a/b`); a folder exists once a file is in it or
 * once an upload created it.
 */
export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly counters = new Map<string, number>();
  private readonly rendered = new Map<string, Buffer>();
  private readonly folders = new Set<string>();

  private static key(type: string, subfolder: string, filename: string): string {
    return `${type}\0${folderKey(subfolder)}\0${filename}`;
  }

  addRecipe(type: FileType, subfolder: string, filename: string, recipe: ImageRecipe): void {
    const key = FileStore.key(type, subfolder, filename);
    this.rendered.delete(key);
    this.files.set(key, { recipe });
  }

  addBytes(type: FileType, subfolder: string, filename: string, bytes: Buffer): void {
    const key = FileStore.key(type, subfolder, filename);
    this.rendered.delete(key);
    this.files.set(key, { bytes });
  }

  has(type: string, subfolder: string, filename: string): boolean {
    return this.files.has(FileStore.key(type, subfolder, filename));
  }

  get(type: string, subfolder: string, filename: string): Buffer | undefined {
    const key = FileStore.key(type, subfolder, filename);
    const file = this.files.get(key);
    if (file === undefined) return undefined;
    if (file.bytes !== undefined) return file.bytes;
    const cached = this.rendered.get(key);
    if (cached !== undefined) return cached;
    if (file.recipe === undefined) return undefined;
    const bytes = renderPng(file.recipe);
    this.rendered.set(key, bytes);
    if (this.rendered.size > renderedCacheSize) {
      const oldest = this.rendered.keys().next().value;
      if (oldest !== undefined) this.rendered.delete(oldest);
    }
    return bytes;
  }

  /** Next `<prefix>_<counter>_.png` counter; like ComfyUI it continues after the highest existing one. */
  nextCounter(type: FileType, subfolder: string, prefix: string): number {
    const key = FileStore.key(type, subfolder, prefix);
    const next = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, next);
    return next;
  }

  /** The files directly in one folder (not in its subfolders), sorted like Python's `sorted()`. */
  list(type: FileType, subfolder = ""): string[] {
    const folder = folderKey(subfolder);
    const names: string[] = [];
    for (const key of this.files.keys()) {
      const [fileType, fileFolder, filename] = key.split("\0");
      if (fileType === type && fileFolder === folder && filename !== undefined) names.push(filename);
    }
    return names.sort();
  }

  /** `os.makedirs` for an upload's subfolder: the folder exists from now on, even if empty. */
  makeFolder(type: FileType, subfolder: string): void {
    this.folders.add(`${type}\0${folderKey(subfolder)}`);
  }

  /** Whether this folder exists: the top level always, another once created or holding a file. */
  hasFolder(type: string, subfolder: string): boolean {
    const folder = folderKey(subfolder);
    if (folder === "" || this.folders.has(`${type}\0${folder}`)) return true;
    for (const created of this.folders) if (created.startsWith(`${type}\0${folder}/`)) return true;
    for (const key of this.files.keys()) {
      const [fileType, fileFolder] = key.split("\0");
      if (fileType === type && (fileFolder === folder || fileFolder?.startsWith(`${folder}/`))) return true;
    }
    return false;
  }

  /** ComfyUI wipes `temp/` when it starts. */
  clearTemp(): void {
    for (const key of [...this.files.keys()]) {
      if (key.startsWith("temp\0")) {
        this.files.delete(key);
        this.rendered.delete(key);
      }
    }
    for (const key of [...this.counters.keys()]) if (key.startsWith("temp\0")) this.counters.delete(key);
    for (const key of [...this.folders]) if (key.startsWith("temp\0")) this.folders.delete(key);
  }
}
