import { ConfigError } from "../config/config-error.js";
import { OpsError } from "../ops/ops-error.js";
import { StorageOpenError } from "../storage/storage-error.js";
import { StartupError } from "./startup-error.js";

/**
 * Start-up failures an operator can fix are printed as plain sentences with no stack trace;
 * anything else is a bug and keeps its stack.
 */
export function describeStartupError(error: unknown): string {
  if (error instanceof ConfigError) {
    return `${error.message}\nFix these in your config file or environment (.env), then start again.\n`;
  }
  // An unusable DATA_DIR, or another bot holding it (`DataDirLockedError`): one line with the fix.
  if (error instanceof StorageOpenError) return `${error.message}\n`;
  // Discord refused the token or could not be reached (`startDiscordBot`).
  if (error instanceof StartupError) return `${error.message}\n`;
  // METRICS_PORT taken or not allowed (`startHealthServer`).
  if (error instanceof OpsError && error.code === "listen_failed") return `${error.message}\n`;
  return `comfycord failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
}

/** How long a failed start may take to let go of what it opened before the process is ended anyway. */
const exitGraceMs = 3000;

/**
 * Prints the failure and ends the process with status 1. The caller has closed what it opened; if
 * something still holds the event loop (a socket mid-close), the process ends after a short grace.
 */
export function exitOnStartupError(error: unknown): void {
  process.stderr.write(describeStartupError(error));
  process.exitCode = 1;
  setTimeout(() => process.exit(1), exitGraceMs).unref();
}
