/**
 * Runs the ComfyUI simulator for trying the bot without a GPU:
 *   npm run simulator -- --port 8188 [--host 127.0.0.1] [--step-ms 50] [--load-ms 0]
 *                        [--checkpoints a.safetensors,b.safetensors] [--preview-method none|auto]
 *                        [--loras a.safetensors,b.safetensors] [--upscale-models 4x-UltraSharp.pth]
 *                        [--max-upload-size 100]
 */
import { parseArgs } from "node:util";
import { startComfySimulator, type SimulatorOptions } from "../simulator/comfy-simulator.js";

/** Thrown for a bad option: `comfycord` prints it with the usage and exits 2. */
class UsageError extends Error {}

const usageText = `usage: simulator [--port 8188] [--host 127.0.0.1] [--step-ms 50] [--load-ms 0]
                 [--checkpoints a,b] [--loras a,b] [--upscale-models a,b] [--max-upload-size MB]
                 [--preview-method none|auto] [--pad-bytes N] [--fail-nodes A,B]`;

function usage(message: string): never {
  throw new UsageError(message);
}

function nonNegativeInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function list(value: string | undefined): string[] | undefined {
  return value
    ?.split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * `comfycord simulator`: serves the simulator until SIGINT/SIGTERM. Resolves with the exit code
 * once it has stopped (2 for bad options).
 */
export async function runSimulatorCommand(argv: readonly string[]): Promise<number> {
  try {
    return await serve(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${usageText}`);
    return 2;
  }
}

async function serve(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: "string", default: "8188" },
        host: { type: "string", default: "127.0.0.1" },
        "step-ms": { type: "string" },
        "load-ms": { type: "string" },
        checkpoints: { type: "string" },
        loras: { type: "string" },
        "upscale-models": { type: "string" },
        "max-upload-size": { type: "string" },
        "preview-method": { type: "string" },
        "pad-bytes": { type: "string" },
        "fail-nodes": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  if (values.help === true) usage("ComfyUI 0.3.64 simulator");
  const previewMethod = values["preview-method"];
  if (previewMethod !== undefined && previewMethod !== "none" && previewMethod !== "auto") {
    usage(`--preview-method must be "none" or "auto", got "${previewMethod}"`);
  }
  const options: SimulatorOptions = { port: nonNegativeInt("port", values.port) ?? 8188, host: values.host };
  const stepMs = nonNegativeInt("step-ms", values["step-ms"]);
  const loadMs = nonNegativeInt("load-ms", values["load-ms"]);
  const padBytes = nonNegativeInt("pad-bytes", values["pad-bytes"]);
  const checkpoints = list(values.checkpoints);
  const loras = list(values.loras);
  const upscaleModels = list(values["upscale-models"]);
  const maxUploadMb = nonNegativeInt("max-upload-size", values["max-upload-size"]);
  const failNodes = list(values["fail-nodes"]);
  if (stepMs !== undefined) options.stepMs = stepMs;
  if (loadMs !== undefined) options.loadMs = loadMs;
  if (padBytes !== undefined) options.outputPadBytes = padBytes;
  if (checkpoints !== undefined) options.checkpoints = checkpoints;
  if (loras !== undefined) options.loras = loras;
  if (upscaleModels !== undefined) options.upscaleModels = upscaleModels;
  // ComfyUI's --max-upload-size is in MB (MiB really: it multiplies by 1024 * 1024).
  if (maxUploadMb !== undefined) options.maxUploadBytes = maxUploadMb * 1024 * 1024;
  if (failNodes !== undefined) options.failNodes = failNodes;
  if (previewMethod !== undefined) options.previewMethod = previewMethod;

  const simulator = await startComfySimulator(options);
  console.log(`ComfyUI simulator (0.3.64 protocol) listening on ${simulator.url}`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await simulator.close();
  return 0;
}
