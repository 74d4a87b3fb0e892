import { randomUUID } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  extensionOf,
  inputImageTypes,
  type InputImage,
  type InputImageType,
  type InputSpool,
} from "../queue/input-spool.js";
import { storageErrorFrom } from "./storage-error.js";

/** Owner ids are Discord ids (or the terminal's name); anything else must never become a path. */
const safeOwner = /^[A-Za-z0-9_-]{1,64}$/;
const refPattern = /^([A-Za-z0-9_-]{1,64})\/([0-9a-f-]{36})$/;
const typeOfExtension: Record<string, InputImageType> = {
  png: "image/png",
  jpg: "image/jpeg",
  webp: "image/webp",
};

/**
 * Input pictures in a folder beside the data file: `DATA_DIR/inputs/<owner>/<id>.<png|jpg|webp>`.
 * A file is written under a temporary name and renamed, so a crash leaves the picture or nothing;
 * leftovers are removed when the spool opens. Its modification time is when it was kept, which
 * retention compares. Files, not rows: a few megabytes each would only bloat the data file.
 */
export class FileInputSpool implements InputSpool {
  readonly #dir: string;
  readonly #now: () => number;

  private constructor(dir: string, now: () => number) {
    this.#dir = dir;
    this.#now = now;
  }

  static async open(dir: string, options: { now?: () => number } = {}): Promise<FileInputSpool> {
    try {
      await mkdir(dir, { recursive: true });
      for (const owner of await readdir(dir)) {
        const folder = path.join(dir, owner);
        if (!(await stat(folder)).isDirectory()) continue;
        for (const entry of await readdir(folder)) {
          if (entry.startsWith(".writing-")) await rm(path.join(folder, entry), { force: true });
        }
      }
    } catch (error) {
      throw storageErrorFrom(error, `open of the input folder ${dir}`);
    }
    return new FileInputSpool(dir, options.now ?? Date.now);
  }

  async keep(ownerId: string, image: InputImage): Promise<string> {
    if (!safeOwner.test(ownerId)) throw new TypeError(`not an owner id: ${JSON.stringify(ownerId)}`);
    const id = randomUUID();
    const folder = path.join(this.#dir, ownerId);
    const writing = path.join(folder, `.writing-${id}`);
    try {
      await mkdir(folder, { recursive: true });
      await writeFile(writing, image.bytes);
      const keptAt = new Date(this.#now());
      await utimes(writing, keptAt, keptAt);
      await rename(writing, path.join(folder, `${id}.${extensionOf(image.contentType)}`));
    } catch (error) {
      await rm(writing, { force: true });
      throw storageErrorFrom(error, `keeping an input picture of ${ownerId}`);
    }
    return `${ownerId}/${id}`;
  }

  async load(ref: string): Promise<InputImage | undefined> {
    const match = refPattern.exec(ref);
    if (!match) return undefined;
    const [, owner, id] = match;
    for (const type of inputImageTypes) {
      try {
        const bytes = await readFile(path.join(this.#dir, owner!, `${id}.${extensionOf(type)}`));
        return { bytes: new Uint8Array(bytes), contentType: type };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
          throw storageErrorFrom(error, `reading the input picture ${ref}`);
        }
      }
    }
    return undefined;
  }

  async forgetOwner(ownerId: string): Promise<number> {
    if (!safeOwner.test(ownerId)) return 0;
    const folder = path.join(this.#dir, ownerId);
    try {
      const count = (await this.#pictures(folder)).length;
      await rm(folder, { recursive: true, force: true });
      return count;
    } catch (error) {
      throw storageErrorFrom(error, `deleting the input pictures of ${ownerId}`);
    }
  }

  async pruneBefore(cutoff: number): Promise<number> {
    let count = 0;
    try {
      for (const owner of await readdir(this.#dir)) {
        const folder = path.join(this.#dir, owner);
        for (const name of await this.#pictures(folder)) {
          const file = path.join(folder, name);
          // keep() set whole milliseconds; read back (Node 22 passes them to the file system as
          // seconds in a double) they can be a hair below, e.g. cutoff + 0.9999 for cutoff + 1.
          if (Math.round((await stat(file)).mtimeMs) < cutoff) {
            await rm(file, { force: true });
            count++;
          }
        }
      }
    } catch (error) {
      throw storageErrorFrom(error, "pruning old input pictures");
    }
    return count;
  }

  /** The kept pictures in one owner's folder (none when it is not a folder or is gone). */
  async #pictures(folder: string): Promise<string[]> {
    try {
      return (await readdir(folder)).filter((name) => {
        const extension = name.split(".").pop() ?? "";
        return !name.startsWith(".") && extension in typeOfExtension;
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return [];
      throw error;
    }
  }
}
