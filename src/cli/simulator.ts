/**
 * Runs the ComfyUI simulator for trying the bot without a GPU:
 *   npm run simulator -- --port 8188 [--host 127.0.0.1] [--step-ms 50] [--load-ms 0]
 *                        [--checkpoints a.safetensors,b.safetensors] [--preview-method none|auto]
 */
import { parseArgs } from "node:util";
import { startComfySimulator, type SimulatorOptions } from "../simulator/comfy-simulator.js";

function usage(message: string): never {
  console.error(`${message}
usage: simulator [--port 8188] [--host 127.0.0.1] [--step-ms 50] [--load-ms 0]
                 [--checkpoints a,b] [--preview-method none|auto] [--pad-bytes N] [--fail-nodes A,B]`);
  process.exit(2);
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

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string", default: "8188" },
        host: { type: "string", default: "127.0.0.1" },
        "step-ms": { type: "string" },
        "load-ms": { type: "string" },
        checkpoints: { type: "string" },
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
  const failNodes = list(values["fail-nodes"]);
  if (stepMs !== undefined) options.stepMs = stepMs;
  if (loadMs !== undefined) options.loadMs = loadMs;
  if (padBytes !== undefined) options.outputPadBytes = padBytes;
  if (checkpoints !== undefined) options.checkpoints = checkpoints;
  if (failNodes !== undefined) options.failNodes = failNodes;
  if (previewMethod !== undefined) options.previewMethod = previewMethod;

  const simulator = await startComfySimulator(options);
  console.log(`ComfyUI simulator (0.3.64 protocol) listening on ${simulator.url}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    simulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
