import { DiscordAPIError, REST, Routes, type RESTOptions } from "discord.js";
import { pino } from "pino";
import { z } from "zod";
import { missingTokenHelp } from "../app/startup-messages.js";
import { ConfigError } from "../config/config-error.js";
import { loadConfig } from "../config/load-config.js";
import { registerCommands } from "./register-commands.js";
import type { CommandIo } from "../ops/operator-command.js";
import { Store, StoreOpenError } from "../store/store.js";
import { loadWorkflows } from "../workflows/load-workflows.js";
import { botCommandDefinitions } from "./bot-command-set.js";

export interface RegisterContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  io: CommandIo;
  /** Replaces discord.js REST's transport (tests, proxies); defaults to Node's fetch. */
  fetch?: RESTOptions["makeRequest"];
}

const applicationSchema = z.looseObject({ id: z.string() });

/**
 * `npm run register`: overwrites the slash commands now, even when the bot thinks they are
 * unchanged (someone deleted them, or another app version registered different ones). REST only:
 * no gateway session, so it runs beside the bot. Returns the exit code.
 */
export async function runRegister(ctx: RegisterContext): Promise<number> {
  const { io } = ctx;
  let store: Store | undefined;
  try {
    const config = loadConfig({ env: ctx.env, cwd: ctx.cwd });
    const token = config.env.DISCORD_TOKEN;
    if (!token) {
      io.printError(missingTokenHelp);
      return 1;
    }
    const logger = pino({ level: "silent" });
    const rest = new REST({
      api: config.env.DISCORD_API_URL,
      // Same reason as the bot's client: undici 8 (the ComfyUI client) and discord.js's bundled undici clash.
      makeRequest: ctx.fetch ?? (fetch as unknown as RESTOptions["makeRequest"]),
    }).setToken(token);
    const application = applicationSchema.parse(await rest.get(Routes.currentApplication()));
    const workflows = await loadWorkflows(config.file.workflows, config.configDir, logger);
    for (const problem of workflows.problems) io.printError(`warning: ${problem.message}`);
    const commands = botCommandDefinitions(workflows.templates);
    // The bot's own store, so its next start sees these definitions as current and does not re-send them.
    store = await Store.open({ dataDir: config.env.DATA_DIR, logger });
    await registerCommands({
      rest,
      applicationId: application.id,
      guildId: config.env.DISCORD_GUILD_ID,
      commands,
      store,
      logger,
      force: true,
    });
    const where =
      config.env.DISCORD_GUILD_ID === undefined ? "globally" : `in server ${config.env.DISCORD_GUILD_ID}`;
    io.print(
      `Registered ${commands.length} slash commands ${where}: ${commands.map((c) => `/${c.name}`).join(" ")}`,
    );
    return 0;
  } catch (error) {
    if (error instanceof DiscordAPIError) {
      const hint =
        error.status === 401
          ? "\nThe token was rejected: reset it in the Developer Portal and update DISCORD_TOKEN in .env."
          : "";
      io.printError(`Registration failed: Discord answered ${error.status} (${error.message}).${hint}`);
      return 1;
    }
    if (error instanceof ConfigError || error instanceof StoreOpenError) {
      io.printError(error.message);
      return 1;
    }
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const detail = typeof cause?.code === "string" ? ` (${cause.code})` : "";
    io.printError(`Registration failed: ${(error as Error).message}${detail}`);
    return 1;
  } finally {
    await store?.close();
  }
}
