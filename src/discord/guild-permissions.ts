import { PermissionFlagsBits } from "discord.js";

export interface GuildRoles {
  guildId: string;
  ownerId: string;
  roles: ReadonlyArray<{ id: string; permissions: string }>;
}

/** What the bot needs in a channel to run jobs; Manage Messages only lets ❌ remove others' reactions. */
export const requiredPermissions = [
  ["View Channel", PermissionFlagsBits.ViewChannel],
  ["Send Messages", PermissionFlagsBits.SendMessages],
  ["Attach Files", PermissionFlagsBits.AttachFiles],
  ["Add Reactions", PermissionFlagsBits.AddReactions],
  ["Read Message History", PermissionFlagsBits.ReadMessageHistory],
  ["Embed Links", PermissionFlagsBits.EmbedLinks],
] as const satisfies ReadonlyArray<readonly [string, bigint]>;

export const optionalPermissions = [["Manage Messages", PermissionFlagsBits.ManageMessages]] as const;

const everything = (1n << 64n) - 1n;

/**
 * Server-level permissions of a member: @everyone (the role whose id is the guild's) plus each of
 * the member's roles; the owner and Administrator have all. Channel overwrites are not included.
 */
export function guildPermissions(
  guild: GuildRoles,
  member: { userId: string; roleIds: readonly string[] },
): bigint {
  if (member.userId === guild.ownerId) return everything;
  let bits = 0n;
  for (const role of guild.roles) {
    if (role.id === guild.guildId || member.roleIds.includes(role.id)) bits |= BigInt(role.permissions);
  }
  return bits & PermissionFlagsBits.Administrator ? everything : bits;
}

/** Names of the permissions in `wanted` that `bits` lacks. */
export function missingPermissions(bits: bigint, wanted: ReadonlyArray<readonly [string, bigint]>): string[] {
  return wanted.filter(([, bit]) => (bits & bit) === 0n).map(([name]) => name);
}
