import { execFile } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

// scripts/build.ts runs on plain Node in a small stand-in project (two modules, the simulator's
// data folders), so a build takes about a second instead of the real project's ten.

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../..");
const projects: string[] = [];

afterEach(() => {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function standIn({ typescript = true } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "comfycord-build-"));
  projects.push(dir);
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  write("package.json", JSON.stringify({ type: "module" }));
  write(
    "tsconfig.json",
    JSON.stringify({
      compilerOptions: { module: "NodeNext", target: "ES2023", types: [], skipLibCheck: true },
    }),
  );
  write(
    "tsconfig.build.json",
    JSON.stringify({
      extends: "./tsconfig.json",
      compilerOptions: { rootDir: "src", outDir: "dist" },
      include: ["src"],
    }),
  );
  write("src/main.ts", "export const answer: number = 42;\n");
  write("src/cli/comfycord.ts", "export const cli: string = 'cli';\n");
  write("src/simulator/object-info/nodes.json", "{}\n");
  write("src/simulator/fixtures/preview.jpg", "jpeg\n");
  cpSync(path.join(repoRoot, "scripts", "build.ts"), path.join(dir, "scripts", "build.ts"));
  if (typescript) symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

async function ifStale(dir: string): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, ["scripts/build.ts", "--if-stale"], { cwd: dir });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? "" };
  }
}

const compiled = /compiling it/;

describe("scripts/build.ts --if-stale", () => {
  it("builds a missing dist/ with the simulator's data, then leaves a current one alone", async () => {
    const dir = standIn();
    expect(await ifStale(dir)).toMatchObject({ code: 0, stderr: expect.stringMatching(compiled) });
    expect(readFileSync(path.join(dir, "dist/main.js"), "utf8")).toContain("42");
    expect(readFileSync(path.join(dir, "dist/simulator/object-info/nodes.json"), "utf8")).toBe("{}\n");
    expect(await ifStale(dir)).toEqual({ code: 0, stderr: "" });
  });

  it("builds again when a source changes, is added or is deleted, and not when only its mtime moves", async () => {
    const dir = standIn();
    await ifStale(dir);
    const main = path.join(dir, "src/main.ts");
    utimesSync(main, new Date(), new Date(Date.now() + 60_000));
    expect((await ifStale(dir)).stderr).toBe("");

    writeFileSync(main, "export const answer: number = 43;\n");
    expect((await ifStale(dir)).stderr).toMatch(compiled);
    expect(readFileSync(path.join(dir, "dist/main.js"), "utf8")).toContain("43");

    writeFileSync(path.join(dir, "src/extra.ts"), "export {};\n");
    expect((await ifStale(dir)).stderr).toMatch(compiled);
    rmSync(path.join(dir, "src/extra.ts"));
    expect((await ifStale(dir)).stderr).toMatch(compiled);
    // A clean build: nothing of the deleted module stays behind.
    expect(() => readFileSync(path.join(dir, "dist/extra.js"))).toThrow();

    writeFileSync(
      path.join(dir, "tsconfig.build.json"),
      readFileSync(path.join(dir, "tsconfig.build.json"), "utf8") + "\n",
    );
    expect((await ifStale(dir)).stderr).toMatch(compiled);
  });

  it("builds again after a build that did not finish (no stamp)", async () => {
    const dir = standIn();
    await ifStale(dir);
    rmSync(path.join(dir, "dist/.build-stamp"));
    expect((await ifStale(dir)).stderr).toMatch(compiled);
  });

  it("fails with the way out when a stale dist/ cannot be rebuilt (no TypeScript: a production install)", async () => {
    const dir = standIn({ typescript: false });
    const result = await ifStale(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("npm ci && npm run build && npm prune --omit=dev");
  });

  it("runs a dist/ shipped without its sources as it is (the Docker image)", async () => {
    const dir = standIn();
    await ifStale(dir);
    rmSync(path.join(dir, "src"), { recursive: true });
    rmSync(path.join(dir, "node_modules"));
    expect(await ifStale(dir)).toEqual({ code: 0, stderr: "" });
  });

  it("compiles once when two starts find dist/ stale at the same moment; the second waits and uses it", async () => {
    const dir = standIn();
    const both = await Promise.all([ifStale(dir), ifStale(dir)]);
    expect(both.map((result) => result.code)).toEqual([0, 0]);
    expect(both.filter((result) => compiled.test(result.stderr))).toHaveLength(1);
    expect(readFileSync(path.join(dir, "dist/main.js"), "utf8")).toContain("42");
    expect(await ifStale(dir)).toEqual({ code: 0, stderr: "" });
  });

  it("takes over the lock of a build that died", async () => {
    const dir = standIn();
    // A pid that no process has: the build that held the lock is gone.
    writeFileSync(path.join(dir, ".build-lock"), "2147483646\n");
    expect(await ifStale(dir)).toMatchObject({ code: 0, stderr: expect.stringMatching(compiled) });
    expect(() => readFileSync(path.join(dir, ".build-lock"))).toThrow();
  });

  it("fails on a type error and leaves no stamp, so the next start tries again", async () => {
    const dir = standIn();
    writeFileSync(path.join(dir, "src/main.ts"), "export const answer: number = 'no';\n");
    expect((await ifStale(dir)).code).not.toBe(0);
    expect(() => readFileSync(path.join(dir, "dist/.build-stamp"))).toThrow();
  });
});
