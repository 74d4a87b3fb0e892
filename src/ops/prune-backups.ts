import { readdir, rm } from "node:fs/promises";
import path from "node:path";

/**
 * The names `npm run backup` gives its default copies: `comfycord-2026-11-22T00-10-20Z.sqlite`, and
 * the folder of input pictures beside it, `comfycord-2026-11-22T00-10-20Z.inputs`.
 */
const backupName = /^comfycord-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z\.(?:sqlite|inputs)$/;

/** When a default-named backup was taken, read from its name (mtime changes when files are copied). */
export function backupTakenAt(fileName: string): Date | undefined {
  const match = backupName.exec(fileName);
  if (!match) return undefined;
  const [, day, hours, minutes, seconds] = match;
  const taken = new Date(`${day}T${hours}:${minutes}:${seconds}Z`);
  return Number.isNaN(taken.getTime()) ? undefined : taken;
}

/**
 * Deletes the backups in `folder` taken more than `keepDays` days before `now`, so a forgotten
 * member's records (`/forget-me`) and expired jobs do not live on in old copies for ever. Only files
 * named the way `npm run backup` names them are touched: an operator's own copies stay.
 */
export async function pruneOldBackups(folder: string, keepDays: number, now: Date): Promise<string[]> {
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const cutoff = now.getTime() - keepDays * 24 * 60 * 60 * 1000;
  const removed: string[] = [];
  for (const name of names.sort()) {
    const taken = backupTakenAt(name);
    if (taken === undefined || taken.getTime() >= cutoff) continue;
    const file = path.join(folder, name);
    await rm(file, { recursive: true, force: true });
    removed.push(file);
  }
  return removed;
}
