import { Routes } from "discord-api-types/v10";
import { z } from "zod";
import type { DiscordApi } from "./discord-api.js";
import type { DoctorReport } from "./doctor-report.js";

const userSchema = z.looseObject({ id: z.string(), username: z.string() });
export type BotUser = z.infer<typeof userSchema>;

/** `GET /users/@me` with the bot token: proves the token and tells the bot's user id. */
export async function checkDiscordToken(api: DiscordApi, report: DoctorReport): Promise<BotUser | undefined> {
  const reply = await api.getOk(Routes.user(), userSchema);
  if (reply.ok) {
    report.ok(`DISCORD_TOKEN valid: logged in as ${reply.value.username} (${reply.value.id})`);
    return reply.value;
  }
  if (reply.status === 401) {
    report.fail("DISCORD_TOKEN rejected by Discord", [
      "token rejected: reset it in the Developer Portal (https://discord.com/developers/applications → your app → Bot → Reset Token)",
      "and put the new one in .env as DISCORD_TOKEN=...",
    ]);
  } else {
    report.fail(`DISCORD_TOKEN could not be checked: ${reply.message}`, [
      "check DISCORD_API_URL and try again; Discord may be having trouble (https://discordstatus.com)",
    ]);
  }
  return undefined;
}
