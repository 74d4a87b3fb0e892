import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { maskSecrets } from "../log/mask-secrets.js";
import { ConfigError } from "./config-error.js";
import { envDefaults } from "./defaults.js";
import { formatIssues } from "./format-issues.js";
import { envSchema, fileConfigSchema, type EnvConfig, type FileConfig } from "./schema.js";

export interface AppConfig {
  env: EnvConfig;
  file: FileConfig;
  /** The config file read, or undefined when none exists and defaults apply. */
  configPath: string | undefined;
  /** Workflow `file:` paths are relative to this folder. */
  configDir: string;
  /** True when `config/bot.yaml` is missing and the shipped example was used instead. */
  usedExample: boolean;
}

export interface LoadConfigOptions {
  env: NodeJS.ProcessEnv;
  /** The project folder; relative paths in the environment resolve from here. */
  cwd: string;
}

const exampleFile = "config/bot.example.yaml";

/** Reads and checks the environment and the YAML file; throws ConfigError listing every problem. */
export function loadConfig({ env, cwd }: LoadConfigOptions): AppConfig {
  const envInput = Object.fromEntries(
    Object.keys(envSchema.shape).map((name) => {
      const value = env[name]?.trim();
      const fallback = (envDefaults as Record<string, string | undefined>)[name];
      return [name, value === undefined || value === "" ? fallback : value];
    }),
  );
  const parsedEnv = envSchema.safeParse(envInput, { reportInput: true });
  const problems = parsedEnv.success
    ? []
    : formatIssues(parsedEnv.error.issues).map((line) =>
        // A URL may carry `user:password@` (a ComfyUI behind basic auth): never repeat it.
        maskSecrets(line.replace(/^COMFY_URL\.\d+(?:\.(?:url|label))?:/, "COMFY_URL:")),
      );

  const explicitFile = env.CONFIG_FILE?.trim();
  let configPath = path.resolve(cwd, explicitFile || envDefaults.CONFIG_FILE);
  let usedExample = false;
  if (!existsSync(configPath)) {
    if (explicitFile) {
      problems.push(`CONFIG_FILE: no file at "${configPath}"; fix the path or unset CONFIG_FILE`);
    } else if (existsSync(path.resolve(cwd, exampleFile))) {
      // A fresh clone has no bot.yaml yet: run with the documented example rather than nothing.
      configPath = path.resolve(cwd, exampleFile);
      usedExample = true;
    }
  }

  let file: FileConfig | undefined;
  const hasFile = existsSync(configPath);
  if (hasFile) {
    const result = parseConfigText(readFileSync(configPath, "utf8"), path.relative(cwd, configPath));
    problems.push(...result.problems);
    file = result.config;
  } else if (!explicitFile) {
    file = fileConfigSchema.parse({});
  }

  if (problems.length > 0 || !parsedEnv.success || file === undefined) {
    throw new ConfigError(problems, "The configuration");
  }
  return {
    env: parsedEnv.data,
    file,
    configPath: hasFile ? configPath : undefined,
    configDir: hasFile ? path.dirname(configPath) : path.resolve(cwd, "config"),
    usedExample,
  };
}

/** Parses YAML (or JSON) config text; problems name `file:line:col` for syntax and the key otherwise. */
export function parseConfigText(
  text: string,
  label: string,
): { config: FileConfig | undefined; problems: string[] } {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      config: undefined,
      problems: document.errors.map((error) => {
        const where = error.linePos?.[0];
        const position = where ? `${label}:${where.line}:${where.col}` : label;
        return `${position}: invalid YAML: ${error.message.split("\n")[0]}`;
      }),
    };
  }
  const raw: unknown = document.toJS() ?? {};
  const parsed = fileConfigSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { config: parsed.data, problems: [] };
  return {
    config: undefined,
    problems: formatIssues(parsed.error.issues, { knownKeys: knownKeysAt }).map(
      (line) => `${label}: ${line}`,
    ),
  };
}

/** The keys the schema allows at a path, for "did you mean" hints. */
function knownKeysAt(pathKeys: readonly PropertyKey[]): readonly string[] {
  let schema: z.ZodType = fileConfigSchema;
  for (const key of pathKeys) {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) {
      const next = (inner.shape as Record<string, z.ZodType>)[String(key)];
      if (!next) return [];
      schema = next;
    } else if (inner instanceof z.ZodArray) {
      schema = inner.element as z.ZodType;
    } else {
      return [];
    }
  }
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (let depth = 0; depth < 10; depth++) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodPrefault
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      break;
    }
  }
  return current;
}
