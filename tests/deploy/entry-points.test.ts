import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The units, compose file, docs and npm scripts run compiled files by path (`node dist/...js`);
// each must be the output of a source that exists, or the command fails only on the server.

const repoRoot = path.resolve(import.meta.dirname, "../..");
const files = [
  "package.json",
  "Dockerfile",
  "docker-compose.yml",
  "README.md",
  "deploy/README.md",
  "deploy/comfycord.service",
  "deploy/comfycord-backup.service",
];

describe("compiled entry points named in deployment files and docs", () => {
  it("each dist/….js has its source under src/", () => {
    const named = files.flatMap((file) =>
      [...readFileSync(path.join(repoRoot, file), "utf8").matchAll(/\bdist\/([\w./-]+)\.js\b/g)].map(
        (match) => ({ file, entry: match[0], source: path.join("src", `${match[1]}.ts`) }),
      ),
    );
    expect(named.map((entry) => entry.entry)).toEqual(
      expect.arrayContaining(["dist/main.js", "dist/cli/comfycord.js"]),
    );
    for (const { file, entry, source } of named) {
      expect(existsSync(path.join(repoRoot, source)), `${file}: ${entry} (${source})`).toBe(true);
    }
  });
});
