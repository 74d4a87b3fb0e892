import { copyFile, link, mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { OpsError } from "./ops-error.js";
import { pathExists } from "./path-exists.js";

/** What was copied: files and their total size. */
export interface PictureCount {
  files: number;
  bytes: number;
}

/**
 * The folder that holds a backup's input pictures, beside its data copy:
 * `comfycord-<time>.sqlite` → `comfycord-<time>.inputs`.
 */
export function inputsBackupFolder(backupFile: string): string {
  return `${backupFile.replace(/\.sqlite$/, "")}.inputs`;
}

/**
 * Copies the input pictures (`DATA_DIR/inputs/<owner>/<id>.<ext>`) into `destFolder`, which must
 * not exist. Pictures never change once kept, so each is hard-linked when the backup is on the same
 * file system (no space used while the original lives) and copied otherwise; either way its
 * modification time, which retention reads as when it was kept, comes along. The copy is made
 * under a temporary name and renamed, so a failed backup leaves no half folder under the real name.
 */
export async function backupInputs(inputsFolder: string, destFolder: string): Promise<PictureCount> {
  if (await pathExists(destFolder)) {
    throw new OpsError("destination_exists", `"${destFolder}" already exists; choose another file name`);
  }
  const partial = `${destFolder}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  try {
    const count = await copyPictures(inputsFolder, partial, { link: true, skipExisting: false });
    await rename(partial, destFolder);
    return count;
  } catch (error) {
    throw new OpsError(
      "backup_failed",
      `copying the input pictures in "${inputsFolder}" failed: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

/**
 * Copies a backup's pictures into `DATA_DIR/inputs`, beside what is there: names are random ids, so
 * a picture already present is the same picture and is left as it is.
 */
export async function restoreInputs(sourceFolder: string, inputsFolder: string): Promise<PictureCount> {
  try {
    return await copyPictures(sourceFolder, inputsFolder, { link: false, skipExisting: true });
  } catch (error) {
    throw new OpsError(
      "restore_failed",
      `copying the input pictures from "${sourceFolder}" failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function copyPictures(
  from: string,
  to: string,
  how: { link: boolean; skipExisting: boolean },
): Promise<PictureCount> {
  const count: PictureCount = { files: 0, bytes: 0 };
  await mkdir(to, { recursive: true });
  for (const owner of await namesIn(from)) {
    const ownerFrom = path.join(from, owner);
    if (!(await stat(ownerFrom)).isDirectory()) continue;
    const ownerTo = path.join(to, owner);
    await mkdir(ownerTo, { recursive: true });
    for (const name of await namesIn(ownerFrom)) {
      // A picture being written when the copy ran (the spool renames it into place when done).
      if (name.startsWith(".writing-")) continue;
      const source = path.join(ownerFrom, name);
      const target = path.join(ownerTo, name);
      if (how.skipExisting && (await pathExists(target))) continue;
      try {
        const info = await stat(source);
        if (!info.isFile()) continue;
        // A link shares the original's times; a copy gets them set.
        if ((await placeCopy(source, target, how.link)) === "copied")
          await utimes(target, info.atime, info.mtime);
        count.files++;
        count.bytes += info.size;
      } catch (error) {
        // Deleted by retention or `/forget-me` since the folder was listed: nothing to copy.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  }
  return count;
}

async function placeCopy(source: string, target: string, preferLink: boolean): Promise<"linked" | "copied"> {
  if (preferLink) {
    try {
      await link(source, target);
      return "linked";
    } catch (error) {
      // Another file system, or one without hard links: a real copy.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EXDEV" && code !== "EPERM" && code !== "ENOTSUP") throw error;
    }
  }
  await copyFile(source, target);
  return "copied";
}

async function namesIn(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
