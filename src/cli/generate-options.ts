import { parseArgs, type ParseArgsConfig } from "node:util";
import type { RequestInput } from "../request/generation-request.js";
import type { ParamType } from "../request/param-row.js";
import { requestValueSchema } from "../request/param-schemas.js";
import { paramRows, type Param } from "../request/param-table.js";

/** Flags of the command itself, after the table's. */
const ownFlags = [
  ["--out <file.png>", "Where to write (default ./comfycord-<job id>.png; several images get -1, -2)"],
  ["--nsfw", "Treat the request like one in an age-restricted channel"],
  ["--verbose", "Log what the core does (to stderr)"],
] as const;

const cliRows = paramRows.filter((row) => row.cli !== undefined);

function usage(): string {
  const flags: [string, string][] = cliRows.map((row) => [
    `--${row.name}${row.cli?.short ? `, -${row.cli.short}` : ""} ${row.cli?.placeholder ?? ""}`,
    row.cli?.help ?? row.discord?.description ?? row.label,
  ]);
  const all = [...flags, ...ownFlags];
  const width = Math.max(...all.map(([flag]) => flag.length)) + 2;
  return [
    'Usage: npm run generate -- "a prompt" [options]',
    "Runs one job through the bot's own queue and ComfyUI client, without Discord, and writes the image(s).",
    ...all.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`),
  ].join("\n");
}

/** The usage text: one line per parameter of the table that has a CLI flag, then the command's own. */
export const generateUsage = usage();

export interface ParsedGenerateArgs {
  request: RequestInput;
  out: string | undefined;
  nsfw: boolean;
  verbose: boolean;
  help: boolean;
}

/** The command line of `generate`; throws an Error whose message says what is wrong. */
export function parseGenerateArgs(argv: readonly string[]): ParsedGenerateArgs {
  const options: NonNullable<ParseArgsConfig["options"]> = {
    out: { type: "string", short: "o" },
    nsfw: { type: "boolean" },
    verbose: { type: "boolean", short: "v" },
    help: { type: "boolean", short: "h" },
  };
  for (const row of cliRows) {
    options[row.name] = row.cli?.short ? { type: "string", short: row.cli.short } : { type: "string" };
  }
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options });
  const help = values.help === true;
  const prompt = positionals.join(" ").trim();
  if (prompt === "" && !help) throw new Error("a prompt is required");
  const request: RequestInput = { prompt };
  for (const row of cliRows) {
    const text = values[row.name];
    if (typeof text === "string") request[row.name] = flagValue(row, text);
  }
  const out = values.out;
  return {
    request,
    out: typeof out === "string" ? out : undefined,
    nsfw: values.nsfw === true,
    verbose: values.verbose === true,
    help,
  };
}

/** One flag's value, checked against the row's type and range like a Discord option would be. */
function flagValue(row: Param, text: string): string | number {
  const numeric = row.type.kind === "integer" || row.type.kind === "number";
  const value = numeric ? (text.trim() === "" ? Number.NaN : Number(text)) : text;
  if (!requestValueSchema(row).safeParse(value).success) {
    throw new Error(`--${row.name} expects ${expectation(row.type)}, got "${text}"`);
  }
  return value;
}

function expectation(type: ParamType): string {
  switch (type.kind) {
    case "text":
      return `text of at most ${type.maxLength} characters`;
    case "name":
      return `a name of at most ${type.maxLength} characters`;
    case "choice":
      return `one of ${type.values.join(", ")}`;
    case "integer":
      return (
        `a whole number from ${type.min} to ${type.max}` +
        (type.multipleOf === undefined ? "" : `, a multiple of ${type.multipleOf}`)
      );
    case "number":
      return `a number from ${type.min} to ${type.max}`;
    case "image":
      return "a picture";
  }
}
