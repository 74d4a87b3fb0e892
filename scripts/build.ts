/**
 * `npm run build` (`node scripts/build.ts`): compiles `src/` into `dist/` and stamps it.
 * `node scripts/build.ts --if-stale`, which `npm start` and the CLI scripts run first, builds
 * only when `dist/` was not built from the sources as they are now.
 *
 * Plain Node runs this file (type stripping, on by default since Node 22.18), so it works in a
 * production install, which has no tsx; that is also why it imports nothing of the project's and
 * uses only erasable TypeScript (no enums, no parameter properties).
 *
 * Freshness: a SHA-256 over the path and content of every build input, written to `dist/` after a
 * successful build and compared on each start. Contents, not mtimes, so a copy, a `touch` or a
 * checkout back and forth costs no rebuild, and a file replaced by an older one still causes one.
 * Hashing the ~1.5 MB of sources takes about 15 ms, this whole check about 80 ms with Node's
 * start. `tsc --build`'s up-to-date check is no faster (80 ms warm, 130-500 ms cold), needs
 * TypeScript, which a production install lacks, and does not see the simulator's data files,
 * which the build copies.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  cpSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
/** Besides everything under `src/`: what decides how it is compiled. */
const configInputs = ["tsconfig.json", "tsconfig.build.json", "package.json", "scripts/build.ts"];
/** Entry points that must exist for `dist/` to count as built. */
const entries = ["dist/main.js", "dist/cli/comfycord.js"];
const stampFile = "dist/.build-stamp";
/**
 * Held while a build runs, with the builder's pid: two scripts started at once on a stale `dist/`
 * would otherwise both empty and fill it, each breaking the other's half. Beside `dist/`, which a
 * build deletes.
 */
const lockFile = ".build-lock";
/** How long a start waits for another build before it says so and stops. */
const lockWaitMs = 5 * 60_000;
/** Data files the simulator reads next to its compiled modules. */
const assets = ["simulator/object-info", "simulator/fixtures"];

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

/** The build inputs, relative to the project root, sorted so the hash does not depend on the file system's order. */
export function buildInputs(): string[] {
  return [...filesUnder("src"), ...configInputs.filter((file) => existsSync(path.join(root, file)))].sort();
}

export function sourcesHash(): string {
  const hash = createHash("sha256");
  for (const file of buildInputs()) {
    // The path is hashed too, so a rename or a new empty file changes the hash.
    hash.update(`${file.split(path.sep).join("/")}\0`);
    hash.update(readFileSync(path.join(root, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

function stamp(): string | undefined {
  try {
    return readFileSync(path.join(root, stampFile), "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Whether `dist/` holds a build of the sources as they are now. */
export function isCurrent(): boolean {
  if (!entries.every((file) => existsSync(path.join(root, file)))) return false;
  // A deployment that ships only `dist/` (the Docker image) has nothing to compare against.
  if (!existsSync(path.join(root, "src"))) return true;
  return stamp() === sourcesHash();
}

function typescriptCompiler(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve("typescript/bin/tsc");
  } catch {
    return undefined;
  }
}

/**
 * Compiles from scratch: a clean `dist/`, so nothing of a deleted source lingers there. Returns
 * the exit status. `why`, when given, is said first (a start that has to build takes a while).
 */
export function build(why?: string): number {
  const tsc = typescriptCompiler();
  if (why !== undefined)
    process.stderr.write(`comfycord: ${why}${tsc === undefined ? "" : ": compiling it"}\n`);
  if (tsc === undefined) {
    process.stderr.write(
      "comfycord: TypeScript is not installed here (a production install, npm ci --omit=dev), so\n" +
        "dist/ cannot be built. Build with the dev dependencies, then drop them:\n" +
        "  npm ci && npm run build && npm prune --omit=dev\n",
    );
    return 1;
  }
  // Hashed before compiling: a source edited during the build makes the next start build again.
  const hash = sourcesHash();
  rmSync(path.join(root, "dist"), { recursive: true, force: true });
  const compiled = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  if (compiled.status !== 0) return compiled.status ?? 1;
  for (const dir of assets) {
    cpSync(path.join(root, "src", dir), path.join(root, "dist", dir), { recursive: true });
  }
  // Written last: an interrupted build leaves no stamp, so the next start builds again.
  writeFileSync(path.join(root, stampFile), `${hash}\n`);
  return 0;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `work` holding the build lock. A lock whose pid is gone (a build killed halfway) is taken
 * over; a live one is waited for, up to `lockWaitMs`. Returns undefined when the wait ran out.
 */
function withBuildLock(work: () => number): number | undefined {
  const file = path.join(root, lockFile);
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      const fd = openSync(file, "wx");
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder: number;
    try {
      holder = Number.parseInt(readFileSync(file, "utf8"), 10);
    } catch {
      continue; // released between the two calls: try again at once
    }
    // No pid yet: its builder is between creating the file and writing it, unless that was long ago.
    if (Number.isNaN(holder)) {
      const written = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
      if (written === undefined) continue;
      if (Date.now() - written < 5000) {
        sleepSync(20);
        continue;
      }
    }
    if (!Number.isInteger(holder) || !pidAlive(holder)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      process.stderr.write(
        `comfycord: another build (pid ${holder}) has held ${lockFile} for ${lockWaitMs / 60_000} minutes; ` +
          `if no build runs, delete ${lockFile} and start again\n`,
      );
      return undefined;
    }
    sleepSync(100);
  }
  try {
    return work();
  } finally {
    rmSync(file, { force: true });
  }
}

if (import.meta.main) {
  const ifStale = process.argv.includes("--if-stale");
  if (!ifStale || !isCurrent()) {
    // Checked again under the lock: a build that ran meanwhile may have made dist/ current.
    const status = withBuildLock(() =>
      !ifStale ? build() : isCurrent() ? 0 : build("dist/ is not a build of the current src/"),
    );
    process.exitCode = status ?? 1;
  }
}
