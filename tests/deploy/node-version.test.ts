import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

// One supported-Node story across package.json, the bootstrap script, CI and the image.

const repoRoot = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(repoRoot, file), "utf8");

const packageJson = JSON.parse(read("package.json")) as { engines: { node: string } };
const useNode = read("scripts/use-node.sh");

describe("the supported Node versions", () => {
  it("use-node.sh keeps the machine's Node from the same floor as engines.node", () => {
    const floor = /^floor=(\S+)$/m.exec(useNode)?.[1];
    expect(packageJson.engines.node).toBe(`>=${floor}`);
  });

  it("use-node.sh fetches the Node 24 the Docker image runs, and one Node 22 at or above the floor", () => {
    const pinned = Object.fromEntries(
      [...useNode.matchAll(/\[(\d+)\]=(\d+\.\d+\.\d+)/g)].map((match) => [match[1]!, match[2]!]),
    );
    expect(pinned["24"]).toMatch(/^24\./);
    expect(pinned["22"]).toMatch(/^22\./);
    const [, minor] = pinned["22"]!.split(".").map(Number);
    const [, floorMinor] = packageJson.engines.node.replace(">=", "").split(".").map(Number);
    expect(minor).toBeGreaterThanOrEqual(floorMinor!);
    for (const from of read("Dockerfile").matchAll(/^FROM (\S+)/gm)) expect(from[1]).toMatch(/^node:24\b/);
  });

  it("CI runs through use-node.sh, and its download folder stays out of git and the image", () => {
    expect(read(".ci/run")).toContain("scripts/use-node.sh");
    // Without a trailing slash, so a worktree's symlink to a shared toolchain is ignored too.
    expect(read(".gitignore").split("\n")).toContain(".toolchain");
    expect(read(".dockerignore").split("\n")).toContain(".toolchain");
  });
});

describe("npm start and npm test on a Node older than engines.node", () => {
  it("stop at once with one line naming the Node needed and how to get it", () => {
    // The check reads the package.json beside its folder: a copy with a floor no Node meets.
    const dir = mkdtempSync(path.join(tmpdir(), "comfycord-check-node-"));
    mkdirSync(path.join(dir, "scripts"));
    copyFileSync(path.join(repoRoot, "scripts/check-node.mjs"), path.join(dir, "scripts/check-node.mjs"));
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ engines: { node: ">=99.0.0" } }));
    const refused = spawnSync(process.execPath, [path.join(dir, "scripts/check-node.mjs")], {
      encoding: "utf8",
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toContain("needs Node 99.0.0 or newer");
    expect(refused.stderr).toContain(`this is Node ${process.versions.node}`);
    expect(refused.stderr).toContain("scripts/use-node.sh");

    const passed = spawnSync(process.execPath, [path.join(repoRoot, "scripts/check-node.mjs")], {
      encoding: "utf8",
    });
    expect(passed.status).toBe(0);
    expect(passed.stderr).toBe("");
  });

  it("is what npm runs before start and test", () => {
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["prestart"]).toBe("node scripts/check-node.mjs");
    expect(scripts["pretest"]).toBe("node scripts/check-node.mjs");
  });
});
