import { parseArgs } from "node:util";
import type { GenerateOptions } from "../app/generation-service.js";

export const generateUsage = `Usage: npm run generate -- "a prompt" [options]
Runs one job through the bot's own queue and ComfyUI client, without Discord, and writes the image(s).
  --workflow <name>   a workflow from config/bot.yaml (default: the first)
  --seed <n>          --steps <n>   --cfg <x>   --width <n>   --height <n>   --aspect <w:h>
  --negative <text>   --model <checkpoint>   --count <n>
  --out <file.png>    where to write (default ./comfycord-<job id>.png; several images get -1, -2)
  --nsfw              treat the request like one in an age-restricted channel
  --verbose           log what the core does (to stderr)`;

export interface ParsedGenerateArgs {
  options: GenerateOptions;
  out: string | undefined;
  nsfw: boolean;
  verbose: boolean;
  help: boolean;
}

/** The command line of `generate`; throws an Error whose message says what is wrong. */
export function parseGenerateArgs(argv: readonly string[]): ParsedGenerateArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      workflow: { type: "string", short: "w" },
      seed: { type: "string" },
      steps: { type: "string" },
      cfg: { type: "string" },
      width: { type: "string" },
      height: { type: "string" },
      aspect: { type: "string" },
      negative: { type: "string" },
      model: { type: "string" },
      count: { type: "string" },
      out: { type: "string", short: "o" },
      nsfw: { type: "boolean" },
      verbose: { type: "boolean", short: "v" },
      help: { type: "boolean", short: "h" },
    },
  });
  const help = values.help === true;
  const prompt = positionals.join(" ").trim();
  if (prompt === "" && !help) throw new Error("a prompt is required");
  const options: GenerateOptions = { prompt };
  const set = <K extends keyof GenerateOptions>(key: K, value: GenerateOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("workflow", values.workflow);
  set("seed", integer("seed", values.seed, 0));
  set("steps", integer("steps", values.steps, 1));
  set("width", integer("width", values.width, 1));
  set("height", integer("height", values.height, 1));
  set("count", integer("count", values.count, 1));
  set("cfg", decimal("cfg", values.cfg));
  set("aspect", values.aspect);
  set("negative", values.negative);
  set("model", values.model);
  return { options, out: values.out, nsfw: values.nsfw === true, verbose: values.verbose === true, help };
}

function integer(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`--${name} expects a whole number of at least ${min}, got "${text}"`);
  }
  return value;
}

function decimal(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || text.trim() === "")
    throw new Error(`--${name} expects a number, got "${text}"`);
  return value;
}
