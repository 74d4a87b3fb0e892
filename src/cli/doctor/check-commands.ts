import { Routes } from "discord-api-types/v10";
import { z } from "zod";
import type { DiscordApi } from "./discord-api.js";
import type { DoctorReport } from "./doctor-report.js";

const applicationSchema = z.looseObject({ id: z.string() });
const commandsSchema = z.array(z.looseObject({ name: z.string() }));

/**
 * The registered slash commands of the scope the bot registers to (the server when
 * DISCORD_GUILD_ID is set, otherwise global) against the names the bot would register now.
 */
export async function checkCommands(
  api: DiscordApi,
  options: { guildId: string | undefined; expected: readonly string[] },
  report: DoctorReport,
): Promise<void> {
  const app = await api.getOk(Routes.currentApplication(), applicationSchema);
  if (!app.ok) {
    report.fail(`slash commands not checked: ${app.message}`, "check that DISCORD_TOKEN is a bot token");
    return;
  }
  const scope = options.guildId === undefined ? "globally" : `in server ${options.guildId}`;
  const route =
    options.guildId === undefined
      ? Routes.applicationCommands(app.value.id)
      : Routes.applicationGuildCommands(app.value.id, options.guildId);
  const registered = await api.getOk(route, commandsSchema);
  if (!registered.ok) {
    const fix =
      registered.status === 403 || registered.status === 404
        ? "invite the bot to that server with the bot and applications.commands scopes, or fix DISCORD_GUILD_ID"
        : "try again; Discord may be having trouble (https://discordstatus.com)";
    report.fail(`slash commands not checked: ${registered.message}`, fix);
    return;
  }
  const names = new Set(registered.value.map((command) => command.name));
  const missing = options.expected.filter((name) => !names.has(name));
  if (missing.length === 0) {
    report.ok(`slash commands registered ${scope}: ${options.expected.map((name) => `/${name}`).join(" ")}`);
    return;
  }
  report.fail(
    `slash commands missing ${scope}: ${missing.map((name) => `/${name}`).join(" ")}`,
    "start the bot once or run `npm run register`",
  );
}
