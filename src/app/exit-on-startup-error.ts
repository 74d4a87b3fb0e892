import { ConfigError } from "../config/config-error.js";
import { StorageOpenError } from "../storage/storage-error.js";

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
  return `comfycord failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
}
