import { withoutCredentials } from "../../comfy/comfy-endpoint.js";
import { ComfyHttp } from "../../comfy/comfy-http.js";
import { isComfyError } from "../../comfy/comfy-error.js";
import type { ObjectInfo } from "../../comfy/object-info.js";
import type { DoctorReport } from "./doctor-report.js";

/**
 * One ComfyUI host: reachable (`/system_stats`), its version and preview method, then its
 * `/object_info` for the workflow checks. Returns undefined when the host cannot be used.
 */
export async function checkComfyHost(
  host: { url: string; label: string; maxJsonBytes: number },
  report: DoctorReport,
  timeoutMs = 10_000,
): Promise<ObjectInfo | undefined> {
  const http = new ComfyHttp({
    url: host.url,
    requestTimeoutMs: timeoutMs,
    objectInfoTimeoutMs: timeoutMs * 6,
    // The bot's own cap, so an /object_info the bot would refuse fails here too.
    maxJsonBytes: host.maxJsonBytes,
  });
  try {
    let argv: unknown;
    try {
      const stats = await http.getSystemStats();
      argv = stats.system["argv"];
      report.ok(`ComfyUI ${host.label} reachable (version ${stats.system.comfyui_version ?? "unknown"})`);
    } catch (error) {
      report.fail(
        `ComfyUI ${host.label} unreachable at ${withoutCredentials(host.url)}: ${describe(error)}`,
        "start ComfyUI there (port 8188 by default; add --listen for other machines) or fix COMFY_URL (comma-separated http(s) URLs)",
      );
      return undefined;
    }
    const method = previewMethod(argv);
    if (method === undefined || method === "none") {
      report.warn(
        `ComfyUI ${host.label}: previews off`,
        "start ComfyUI with --preview-method auto (optional)",
      );
    }
    try {
      return await http.getObjectInfo();
    } catch (error) {
      report.fail(`ComfyUI ${host.label}: /object_info failed: ${describe(error)}`, [
        "check the ComfyUI log; a broken custom node can make /object_info fail",
      ]);
      return undefined;
    }
  } finally {
    await http.close();
  }
}

/** `--preview-method X` or `--preview-method=X` in ComfyUI's command line. */
export function previewMethod(argv: unknown): string | undefined {
  if (!Array.isArray(argv)) return undefined;
  const args = argv.filter((arg): arg is string => typeof arg === "string");
  for (const [index, arg] of args.entries()) {
    if (arg === "--preview-method") return args[index + 1];
    if (arg.startsWith("--preview-method=")) return arg.slice("--preview-method=".length);
  }
  return undefined;
}

function describe(error: unknown): string {
  if (isComfyError(error)) return `${error.code.replace(/^comfy_/, "")}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
