import { readFileSync } from "node:fs";
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
