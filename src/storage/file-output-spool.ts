import { randomUUID } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { RunOutputFile } from "../queue/dispatcher.js";
import type { OutputSpool } from "../queue/output-spool.js";
import { StorageError, storageErrorFrom } from "./storage-error.js";

const manifestSchema = z.array(
  z.object({
    nodeId: z.string(),
    filename: z.string(),
    subfolder: z.string(),
    type: z.string(),
    contentType: z.string().optional(),
    /** The file's name inside the job's folder. */
    stored: z.string(),
  }),
);

/** Job ids are our own UUIDs; anything else must never become a path. */
const safeId = /^[A-Za-z0-9-]{1,100}$/;

/**
 * Output files in a folder beside the data file (`DATA_DIR/outputs/<job id>/`): one file per
 * output plus a `manifest.json`. A set is written to a temporary folder and renamed into place,
 * so a crash leaves the whole set or none of it; leftovers of an interrupted write are removed
 * when the spool opens. Files, not database rows: a few megabytes per job that live minutes
 * would only bloat the SQLite file and its backups.
 */
export class FileOutputSpool implements OutputSpool {
  readonly #dir: string;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  static async open(dir: string): Promise<FileOutputSpool> {
    try {
      await mkdir(dir, { recursive: true });
      for (const entry of await readdir(dir)) {
        if (entry.startsWith(".writing-")) await rm(path.join(dir, entry), { recursive: true, force: true });
      }
    } catch (error) {
      throw storageErrorFrom(error, `open of the output folder ${dir}`);
    }
    return new FileOutputSpool(dir);
  }

  async keep(jobId: string, files: readonly RunOutputFile[]): Promise<void> {
    const target = this.#folder(jobId);
    const writing = path.join(this.#dir, `.writing-${randomUUID()}`);
    try {
      await mkdir(writing);
      const manifest = await Promise.all(
        files.map(async (file, index) => {
          const stored = String(index);
          await writeFile(path.join(writing, stored), file.data);
          const { data: _data, ...meta } = file;
          return { ...meta, stored };
        }),
      );
      await writeFile(path.join(writing, "manifest.json"), JSON.stringify(manifest));
      await rm(target, { recursive: true, force: true });
      await rename(writing, target);
    } catch (error) {
      await rm(writing, { recursive: true, force: true });
      throw storageErrorFrom(error, `keeping the outputs of job ${jobId}`);
    }
  }

  async load(jobId: string): Promise<RunOutputFile[] | undefined> {
    const folder = this.#folder(jobId);
    let text: string;
    try {
      text = await readFile(path.join(folder, "manifest.json"), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw storageErrorFrom(error, `reading the outputs of job ${jobId}`);
    }
    const manifest = manifestSchema.safeParse(parseJson(text));
    if (!manifest.success) throw new StorageError("corrupt", `the outputs of job ${jobId} are damaged`);
    try {
      return await Promise.all(
        manifest.data.map(async ({ stored, ...meta }) => ({
          ...meta,
          data: new Uint8Array(await readFile(path.join(folder, stored))),
        })),
      );
    } catch (error) {
      // Sets are written whole (see `keep`), so a file missing now means the set was discarded while
      // it was read: the same answer as a job with nothing kept.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw storageErrorFrom(error, `reading the outputs of job ${jobId}`);
    }
  }

  async discard(jobId: string): Promise<void> {
    try {
      await rm(this.#folder(jobId), { recursive: true, force: true });
    } catch (error) {
      throw storageErrorFrom(error, `discarding the outputs of job ${jobId}`);
    }
  }

  #folder(jobId: string): string {
    if (!safeId.test(jobId)) throw new StorageError("failed", `not a job id: ${JSON.stringify(jobId)}`);
    return path.join(this.#dir, jobId);
  }
}

/** A manifest that is not JSON is as damaged as one of the wrong shape. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
