import { createHash } from "node:crypto";
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from "discord.js";
import { Routes, type REST } from "discord.js";
import type { Logger } from "pino";
import type { MetaStore } from "../storage/meta-store.js";

export interface RegisterOptions {
  rest: REST;
  applicationId: string;
  /** Register to one server (instant) rather than globally. */
  guildId?: string | undefined;
  commands: RESTPostAPIChatInputApplicationCommandsJSONBody[];
  /** Where the hash of the last registration is kept (`commands-hash:<guild id or "global">`). */
  meta: MetaStore;
  logger: Logger;
  /** Overwrite even when nothing changed (`npm run register`). */
  force?: boolean;
}

/** Hash of what would be sent and where: registration is skipped when it is unchanged. */
export function commandsHash(
  options: Pick<RegisterOptions, "applicationId" | "guildId" | "commands">,
): string {
  return createHash("sha256")
    .update(JSON.stringify([options.applicationId, options.guildId ?? "global", options.commands]))
    .digest("hex");
}

/**
 * Bulk-overwrites the application's commands, but only when the definitions changed since the
 * last registration: Discord allows 200 command creates per day per server, and a bot that
 * restarts in a loop must not burn them.
 */
export async function registerCommands(options: RegisterOptions): Promise<"registered" | "unchanged"> {
  const { meta } = options;
  const key = `commands-hash:${options.guildId ?? "global"}`;
  const hash = commandsHash(options);
  if (!options.force && (await meta.get(key)) === hash) {
    options.logger.debug({ guildId: options.guildId }, "slash commands unchanged; not registering");
    return "unchanged";
  }
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  await options.rest.put(route, { body: options.commands });
  await meta.set(key, hash);
  options.logger.info(
    { guildId: options.guildId ?? "global", commands: options.commands.map((command) => command.name) },
    "slash commands registered",
  );
  return "registered";
}
