import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";

/**
 * Reads `.env` (if present) into a copy of `env`. Variables already set in the real
 * environment win, so a systemd unit or `docker run -e` always overrides the file.
 */
export function withEnvFile(env: NodeJS.ProcessEnv, file: string): NodeJS.ProcessEnv {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { ...env };
  }
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (merged[name] === undefined || merged[name] === "") merged[name] = value;
  }
  return merged;
}
