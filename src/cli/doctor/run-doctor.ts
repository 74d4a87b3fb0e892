import { pino } from "pino";
import { backendIds } from "../../comfy/backend-labels.js";
import { botSettingsDefaults } from "../../moderation/effective-settings.js";
import { fitDefaultsToLimits } from "../../workflows/fit-defaults-to-limits.js";
import { loadWorkflows } from "../../workflows/load-workflows.js";
import { commandRegistry } from "../../commands/registry.js";
import { commandDefinitions } from "../../discord/command-record.js";
import { checkCommands } from "./check-commands.js";
import { checkComfyHost } from "./check-comfy-host.js";
import { checkConfig } from "./check-config.js";
import { checkDataDir } from "./check-data-dir.js";
import { checkRedis } from "./check-redis.js";
import { checkDiscordToken } from "./check-discord-token.js";
import { checkPermissions } from "./check-permissions.js";
import { checkWorkflowDefaults, checkWorkflowFiles, checkWorkflowsOnHost } from "./check-workflows.js";
import { checkLorasOnHosts, checkPresetWarnings } from "./check-presets.js";
import { checkPresets } from "../../presets/check-presets.js";
import type { ObjectInfo } from "../../comfy/object-info.js";
import { DiscordApi, DiscordUnreachableError, type FetchLike } from "./discord-api.js";
import { DoctorReport } from "./doctor-report.js";

export interface DoctorContext {
  /** The environment as the bot sees it (the CLI merges `.env` first). */
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** One line of the report. */
  out: (line: string) => void;
  /** For Discord's API; defaults to the global fetch. */
  fetch?: FetchLike;
  /** Green ✓ and red ✗ (the CLI sets it when stdout is a terminal). */
  color?: boolean;
  timeoutMs?: number;
}

/**
 * `npm run doctor`: every check the bot depends on, one ✓/✗ line each with a fix for each ✗.
 * Returns the exit code: 0 when nothing failed (warnings allowed), 1 otherwise.
 */
export async function runDoctor(ctx: DoctorContext): Promise<number> {
  const report = new DoctorReport(ctx.out, ctx.color ?? false);
  const logger = pino({ level: "silent" });
  const config = checkConfig(ctx.env, ctx.cwd, report);
  if (!config) {
    report.skip("Discord, ComfyUI and workflow checks", "they need a valid configuration");
    return finish(report, ctx.out);
  }

  if (config.env.STORE_URL.kind === "redis") {
    await checkRedis(config.env.STORE_URL.url, report, ctx.timeoutMs);
  } else {
    await checkDataDir(config.env.DATA_DIR, ctx.cwd, logger, report);
  }
  const loaded = await loadWorkflows(config.file.workflows, config.configDir, logger);
  // As the bot does at start-up: defaults above the bot-wide limits are lowered, and said so below.
  const botDefaults = botSettingsDefaults({
    settings: config.file.settings,
    rateLimit: config.file.rateLimit,
  });
  const fitted = fitDefaultsToLimits(loaded.templates, botDefaults);
  const workflows = { templates: fitted.templates, problems: loaded.problems };

  const token = config.env.DISCORD_TOKEN;
  if (token === undefined) {
    report.fail("DISCORD_TOKEN not set", [
      "create a bot at https://discord.com/developers/applications (Bot → Reset Token)",
      "and put DISCORD_TOKEN=<token> in .env",
    ]);
    report.skip("slash commands and permissions", "they need the token");
  } else {
    const api = new DiscordApi({
      apiUrl: config.env.DISCORD_API_URL,
      token,
      ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
      ...(ctx.timeoutMs === undefined ? {} : { timeoutMs: ctx.timeoutMs }),
    });
    try {
      const bot = await checkDiscordToken(api, report);
      if (bot) {
        const expected = commandDefinitions(commandRegistry, {
          templates: workflows.templates,
          presets: { styles: config.file.styles, loras: config.file.loras },
        }).map((command) => command.name);
        await checkCommands(api, { guildId: config.env.DISCORD_GUILD_ID, expected }, report);
        await checkPermissions(api, { guildId: config.env.DISCORD_GUILD_ID, botId: bot.id }, report);
      } else {
        report.skip("slash commands and permissions", "they need a working token");
      }
    } catch (error) {
      if (!(error instanceof DiscordUnreachableError)) throw error;
      report.fail(error.message, "check the network and DISCORD_API_URL (default https://discord.com/api)");
    }
  }

  checkWorkflowFiles(workflows.templates, workflows.problems, report);
  checkWorkflowDefaults(fitted.lowered, report);
  const presets = { styles: config.file.styles, loras: config.file.loras };
  checkPresetWarnings(checkPresets(presets, workflows.templates, botDefaults), report);
  const reached: { label: string; info: ObjectInfo }[] = [];
  const ids = backendIds(config.env.COMFY_URL.map((host) => host.url));
  for (const [index, { url, label: memberLabel }] of config.env.COMFY_URL.entries()) {
    // Members see only the label; the operator also gets the address it stands for.
    const label = `${memberLabel} (${ids[index] ?? "?"})`;
    const info = await checkComfyHost(
      { url, label, maxJsonBytes: config.file.comfy.maxJsonBytes },
      report,
      ctx.timeoutMs,
    );
    if (info) {
      checkWorkflowsOnHost(workflows.templates, { label, info }, report);
      reached.push({ label, info });
    } else if (workflows.templates.length > 0)
      report.skip(`workflows on ${label}`, "the host is unreachable");
  }
  // Only worth asking where some workflow can load a LoRA (checkPresets warns otherwise).
  if (workflows.templates.some((template) => template.takes("lora"))) {
    checkLorasOnHosts(presets.loras, reached, report);
  }
  return finish(report, ctx.out);
}

function finish(report: DoctorReport, out: (line: string) => void): number {
  out("");
  if (report.failures === 0) {
    const warned =
      report.warnings === 0 ? "" : ` (${report.warnings} warning${report.warnings === 1 ? "" : "s"})`;
    out(`All checks passed${warned}.`);
    return 0;
  }
  out(
    `${report.failures} check${report.failures === 1 ? "" : "s"} failed: fix the ✗ lines above and run it again.`,
  );
  return 1;
}
