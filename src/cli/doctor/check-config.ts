import path from "node:path";
import { ConfigError } from "../../config/config-error.js";
import { loadConfig, type AppConfig } from "../../config/load-config.js";
import type { DoctorReport } from "./doctor-report.js";

/** Environment and config file, checked exactly as the bot checks them at start. */
export function checkConfig(
  env: NodeJS.ProcessEnv,
  cwd: string,
  report: DoctorReport,
): AppConfig | undefined {
  try {
    const config = loadConfig({ env, cwd });
    const source = config.configPath
      ? path.relative(cwd, config.configPath) || config.configPath
      : "defaults";
    report.ok(`config valid (${source}${config.usedExample ? ", the shipped example" : ""})`);
    if (config.usedExample) report.note("copy config/bot.example.yaml to config/bot.yaml to customise it");
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report.fail(
      `config invalid: ${error.problems.length} problem${error.problems.length === 1 ? "" : "s"}`,
      error.problems,
    );
    return undefined;
  }
}
