import { DiscordAPIError, REST, Routes, type RESTOptions } from "discord.js";
import { pino } from "pino";
import { z } from "zod";
import { missingTokenHelp } from "../app/startup-messages.js";
import { ConfigError } from "../config/config-error.js";
import { loadConfig } from "../config/load-config.js";
import { registerCommands } from "./register-commands.js";
import { openStorage } from "../storage/open-storage.js";
import type { Storage } from "../storage/storage.js";
import { StorageOpenError } from "../storage/storage-error.js";
import { loadWorkflows } from "../workflows/load-workflows.js";
import { commandDefinitions, type CommandRecord } from "./command-record.js";
import { fetchForDiscord } from "./discord-fetch.js";

export interface RegisterContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  io: { print(line: string): void; printError(line: string): void };
  /** The bot's commands: the same list the bot registers, so its next start sees no change. */
  commands: readonly CommandRecord[];
  /** Replaces discord.js REST's transport (tests, proxies); defaults to Node's fetch. */
  fetch?: RESTOptions["makeRequest"];
}

const applicationSchema = z.looseObject({ id: z.string() });

/**
 * `npm run register`: overwrites the slash commands now, even when the bot thinks they are
 * unchanged (someone deleted them, or another app version registered different ones). REST only:
 * no gateway session, so it runs beside the bot. Returns the exit code.
 */
export async function registerNow(ctx: RegisterContext): Promise<number> {
  const { io } = ctx;
  let storage: Storage | undefined;
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
      makeRequest: ctx.fetch ?? fetchForDiscord,
    }).setToken(token);
    const application = applicationSchema.parse(await rest.get(Routes.currentApplication()));
    const workflows = await loadWorkflows(config.file.workflows, config.configDir, logger);
    for (const problem of workflows.problems) io.printError(`warning: ${problem.message}`);
    const commands = commandDefinitions(ctx.commands, {
      templates: workflows.templates,
      presets: { styles: config.file.styles, loras: config.file.loras },
    });
    // The bot's own storage, so its next start sees these definitions as current and does not re-send
    // them. Without the bot's lock: this runs beside a running bot and only writes the hash.
    storage = await openStorage({
      dataDir: config.env.DATA_DIR,
      store: config.env.STORE_URL,
      logger,
      lock: false,
      clientName: "comfycord-register",
    });
    await registerCommands({
      rest,
      applicationId: application.id,
      guildId: config.env.DISCORD_GUILD_ID,
      commands,
      meta: storage.meta,
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
    if (error instanceof ConfigError || error instanceof StorageOpenError) {
      io.printError(error.message);
      return 1;
    }
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const detail = typeof cause?.code === "string" ? ` (${cause.code})` : "";
    io.printError(`Registration failed: ${(error as Error).message}${detail}`);
    return 1;
  } finally {
    await storage?.close();
  }
}
