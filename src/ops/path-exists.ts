import { stat } from "node:fs/promises";

/** Whether anything (file, folder, link target) is at `file`; an unreadable path counts as none. */
export async function pathExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Whether a regular file is at `file`. */
export async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
