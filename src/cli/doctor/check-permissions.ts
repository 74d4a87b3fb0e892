import { Routes } from "discord-api-types/v10";
import { z } from "zod";
import type { DiscordApi } from "./discord-api.js";
import type { DoctorReport } from "./doctor-report.js";
import {
  guildPermissions,
  missingPermissions,
  optionalPermissions,
  requiredPermissions,
} from "../../discord/guild-permissions.js";

const guildSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  owner_id: z.string(),
  roles: z.array(z.looseObject({ id: z.string(), permissions: z.string() })),
});
const memberSchema = z.looseObject({ roles: z.array(z.string()) });

const invite =
  'invite the bot with the bot and applications.commands scopes (README, "Create the Discord application")';

/** The bot's server-wide permissions in DISCORD_GUILD_ID, from its roles. */
export async function checkPermissions(
  api: DiscordApi,
  options: { guildId: string | undefined; botId: string },
  report: DoctorReport,
): Promise<void> {
  if (options.guildId === undefined) {
    report.skip("bot permissions", "no DISCORD_GUILD_ID: set it to check one server");
    return;
  }
  const guild = await api.getOk(Routes.guild(options.guildId), guildSchema);
  if (!guild.ok) {
    report.fail(`bot permissions not checked: ${guild.message}`, [
      `the bot is not in server ${options.guildId}, or DISCORD_GUILD_ID is wrong`,
      invite,
    ]);
    return;
  }
  const member = await api.getOk(Routes.guildMember(options.guildId, options.botId), memberSchema);
  if (!member.ok) {
    report.fail(`bot permissions not checked: the bot is not a member of ${guild.value.name}`, invite);
    return;
  }
  const bits = guildPermissions(
    { guildId: guild.value.id, ownerId: guild.value.owner_id, roles: guild.value.roles },
    { userId: options.botId, roleIds: member.value.roles },
  );
  const missing = missingPermissions(bits, requiredPermissions);
  if (missing.length === 0) {
    report.ok(
      `bot permissions in ${guild.value.name}: ${requiredPermissions.map(([name]) => name).join(", ")}`,
    );
  } else {
    report.fail(`bot permissions in ${guild.value.name}: missing ${missing.join(", ")}`, [
      `give the bot's role ${missing.join(", ")} in Server Settings → Roles (or re-invite it with them)`,
    ]);
  }
  const optionalMissing = missingPermissions(bits, optionalPermissions);
  if (optionalMissing.length > 0) {
    report.note(
      `without ${optionalMissing.join(", ")}, ❌ cannot remove other members' reactions (optional)`,
    );
  }
  report.note("channel permission overwrites are not checked: a channel can still deny these");
}
