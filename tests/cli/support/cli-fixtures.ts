import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const shipped = path.join(repoRoot, "config", "workflows");

/** A temp folder standing in for the operator's project folder (no `.env`, nothing else). */
export function tempProject(): string {
  return mkdtempSync(path.join(tmpdir(), "comfycord-cli-"));
}

/** `bot.yaml` with the shipped SD 1.5 and SDXL workflows (by absolute path), small step counts. */
export function writeBotYaml(dir: string, extraYaml = ""): string {
  const file = path.join(dir, "bot.yaml");
  writeFileSync(
    file,
    [
      "workflows:",
      `  - { name: sd15, file: ${JSON.stringify(path.join(shipped, "sd15.json"))}, defaults: { steps: 6, width: 512, height: 512 } }`,
      `  - { name: sdxl, file: ${JSON.stringify(path.join(shipped, "sdxl.json"))}, defaults: { steps: 6 } }`,
      extraYaml,
    ].join("\n"),
  );
  return file;
}

/** Collects what a command prints. */
export function collect(): {
  lines: string[];
  errors: string[];
  io: { print: (l: string) => void; printError: (l: string) => void };
} {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    io: { print: (line) => lines.push(line), printError: (line) => errors.push(line) },
  };
}
