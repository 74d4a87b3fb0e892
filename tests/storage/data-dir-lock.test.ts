import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { pidFileName, probeDataDirLock } from "../../src/storage/data-dir-lock.js";
import { openStorage } from "../../src/storage/open-storage.js";
import { DataDirLockedError } from "../../src/storage/storage-error.js";
import { OpenedStorages, silent, tempDataDir } from "./support/temp-storage.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
// tsx's ESM loader, by path: vitest's module runner has no import.meta.resolve.
const tsxLoader = pathToFileURL(path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
const holder = path.join(import.meta.dirname, "support", "hold-data-dir.ts");

const storages = new OpenedStorages();
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await storages.closeAll();
});

/** Starts a process that opens `dataDir` as the bot does; resolves once it holds it, or when it exits. */
function startHolder(dataDir: string) {
  const child = spawn(process.execPath, ["--import", tsxLoader, holder, dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const outcome = new Promise<{ ready: boolean; code: number | null }>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("ready")) resolve({ ready: true, code: null });
    });
    child.on("exit", (code) => resolve({ ready: false, code }));
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null)));
  });
  return { child, outcome, exited, stderr: () => stderr };
}

describe("one bot per data folder", () => {
  it("refuses a second opening of the folder in the same process, naming the holder's pid", async () => {
    const dataDir = tempDataDir();
    await storages.open({ dataDir });
    const second = openStorage({ dataDir, logger: silent });
    await expect(second).rejects.toThrow(DataDirLockedError);
    await expect(second).rejects.toThrow(
      `Another comfycord process (pid ${process.pid}) is already using DATA_DIR "${dataDir}": ` +
        "stop it first, or give this one its own DATA_DIR.",
    );
    expect(await probeDataDirLock(dataDir)).toEqual({ held: true, pid: process.pid });
  });

  it("frees the folder when the storage is closed, and removes its pid file", async () => {
    const dataDir = tempDataDir();
    const first = await storages.open({ dataDir });
    expect(readFileSync(path.join(dataDir, pidFileName), "utf8").trim()).toBe(String(process.pid));
    await storages.close(first);
    expect(existsSync(path.join(dataDir, pidFileName))).toBe(false);
    expect(await probeDataDirLock(dataDir)).toEqual({ held: false });
    await storages.open({ dataDir });
  });

  it("lets a tool that does not take the lock open the folder beside the bot", async () => {
    const dataDir = tempDataDir();
    const bot = await storages.open({ dataDir });
    const tool = await storages.open({ dataDir, lock: false });
    await tool.meta.set("commands-hash:global", "from the tool");
    expect(await bot.meta.get("commands-hash:global")).toBe("from the tool");
  });

  it("makes a second bot process exit 1 with one line naming the running one's pid", async () => {
    const dataDir = tempDataDir();
    const first = startHolder(dataDir);
    expect(await first.outcome).toEqual({ ready: true, code: null });
    const second = startHolder(dataDir);
    expect(await second.outcome).toEqual({ ready: false, code: 1 });
    expect(second.stderr()).toBe(
      `Another comfycord process (pid ${first.child.pid}) is already using DATA_DIR "${dataDir}": ` +
        "stop it first, or give this one its own DATA_DIR.\n",
    );
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
  });

  it("lets the next process start after the holder is SIGKILLed, despite its stale pid file", async () => {
    const dataDir = tempDataDir();
    const first = startHolder(dataDir);
    expect((await first.outcome).ready).toBe(true);
    first.child.kill("SIGKILL");
    await first.exited;
    expect(readFileSync(path.join(dataDir, pidFileName), "utf8").trim()).toBe(String(first.child.pid));
    expect(await probeDataDirLock(dataDir)).toEqual({ held: false });

    const next = startHolder(dataDir);
    expect(await next.outcome).toEqual({ ready: true, code: null });
    expect(readFileSync(path.join(dataDir, pidFileName), "utf8").trim()).toBe(String(next.child.pid));
    next.child.kill("SIGTERM");
    expect(await next.exited).toBe(0);
    // What the killed process had stored is there.
    const storage = await storages.open({ dataDir });
    expect(await storage.meta.get("held-by")).toBe(String(next.child.pid));
  });
});
