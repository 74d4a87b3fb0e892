import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The recorded ComfyUI traces, in `../shared/comfy-traces` beside the project (as in CI). Suites
 * that need them skip themselves with a message when the folder is not there.
 */
export const tracesDir = path.resolve(import.meta.dirname, "../../../shared/comfy-traces");
export const haveTraces = existsSync(tracesDir);
