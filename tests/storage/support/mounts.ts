import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Real file systems for failure tests: a tiny tmpfs that fills up, a read-only mount. Mounting
 * needs root with CAP_SYS_ADMIN (CI runs as root); elsewhere `canMount` is false and the tests
 * that need it use a fallback or say why they skip.
 */
let mountable: boolean | undefined;

export function canMount(): boolean {
  if (mountable === undefined) {
    try {
      const probe = mountTmpfs(64);
      probe.unmount();
      mountable = true;
    } catch {
      mountable = false;
    }
  }
  return mountable;
}

export interface Mounted {
  dir: string;
  unmount(): void;
}

/** A fresh tmpfs of `sizeKiB`, read-only if asked (then empty: nothing can be written to it). */
export function mountTmpfs(sizeKiB: number, options: { readOnly?: boolean } = {}): Mounted {
  const dir = mkdtempSync(path.join(tmpdir(), "comfycord-tmpfs-"));
  const flags = [`size=${sizeKiB}k`, ...(options.readOnly ? ["ro"] : [])].join(",");
  execFileSync("mount", ["-t", "tmpfs", "-o", flags, "tmpfs", dir], { stdio: "pipe" });
  return { dir, unmount: () => execFileSync("umount", [dir], { stdio: "pipe" }) };
}

/** Makes one existing file read-only in place (a read-only bind mount of it), its folder still writable. */
export function bindReadOnly(file: string): Mounted {
  execFileSync("mount", ["--bind", file, file], { stdio: "pipe" });
  execFileSync("mount", ["-o", "remount,bind,ro", file], { stdio: "pipe" });
  return { dir: path.dirname(file), unmount: () => execFileSync("umount", [file], { stdio: "pipe" }) };
}

export const isRoot = process.getuid?.() === 0;
