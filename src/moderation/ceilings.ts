import { defaults } from "../config/defaults.js";
import { botSettingsDefaults, type BotSettingsConfig, type SettingValues } from "./effective-settings.js";
import type { RoleGrant, SettingKey } from "./settings-schema.js";

/** The per-channel limits that have a ceiling: moderators may lower them, never raise them past it. */
export const ceilingKeys = [
  "jobsPerWindow",
  "maxQueuedPerUser",
  "maxSteps",
  "maxWidth",
  "maxHeight",
  "maxPixels",
  "maxCount",
] as const;
export type CeilingKey = (typeof ceilingKeys)[number];

/** The operator's bounds on what `/settings` may allow; `minWindowSeconds` is a floor. */
export type Ceilings = Record<CeilingKey, number> & { minWindowSeconds: number };

/** The config file's blocks the ceilings depend on. */
export interface CeilingConfig extends BotSettingsConfig {
  /** The config file's `ceilings:` block: only what the operator wrote. */
  ceilings?: { [K in keyof Ceilings]?: number | undefined } | undefined;
}

/** A ceiling the operator wrote below the bot's own default, which would then break. */
export interface CeilingConflict {
  key: keyof Ceilings;
  value: number;
  /** For the config problem: "expected at least the bot-wide default of …". */
  message: string;
}

const grantKeys = ["jobsPerWindow", "maxQueuedPerUser"] as const satisfies readonly CeilingKey[];

/**
 * What the bot itself allows for a limit: its default, and any role grant in the config's own
 * `settings.roleGrants`. A ceiling below that would refuse the operator's own configuration.
 */
function ownValue(base: SettingValues, key: CeilingKey): number {
  let value = base[key];
  if ((grantKeys as readonly string[]).includes(key)) {
    for (const grant of Object.values(base.roleGrants)) {
      const granted = grant[key as (typeof grantKeys)[number]];
      if (granted !== undefined) value = Math.max(value, granted);
    }
  }
  return value;
}

/** Where the bot's own value for a key comes from, for messages: `settings.maxSteps`, `rateLimit.…`. */
function ownSource(config: CeilingConfig, key: SettingKey): string {
  if (config.settings?.[key] !== undefined) return `settings.${key}`;
  if (
    config.rateLimit &&
    key in config.rateLimit &&
    config.rateLimit[key as keyof typeof config.rateLimit] !== undefined
  ) {
    return `rateLimit.${key}`;
  }
  return "the built-in default";
}

/**
 * The ceilings in force: what the operator wrote in `ceilings:`; otherwise the built-in ceiling,
 * raised to the bot's own default when the operator raised that (and the floor lowered to it),
 * so a config that worked before keeps working.
 */
export function operatorCeilings(config: CeilingConfig = {}): Ceilings {
  const base = botSettingsDefaults(config);
  const written = config.ceilings ?? {};
  const ceilings: Ceilings = { ...defaults.ceilings };
  for (const key of ceilingKeys) {
    ceilings[key] = written[key] ?? Math.max(defaults.ceilings[key], ownValue(base, key));
  }
  ceilings.minWindowSeconds =
    written.minWindowSeconds ?? Math.min(defaults.ceilings.minWindowSeconds, base.windowSeconds);
  return ceilings;
}

/** Ceilings the operator wrote that the bot's own defaults or grants exceed (a config problem). */
export function ceilingConflicts(config: CeilingConfig): CeilingConflict[] {
  const base = botSettingsDefaults(config);
  const written = config.ceilings ?? {};
  const conflicts: CeilingConflict[] = [];
  for (const key of ceilingKeys) {
    const value = written[key];
    if (value === undefined) continue;
    if (base[key] > value) {
      conflicts.push({
        key,
        value,
        message: `expected at least the bot-wide ${key} of ${base[key]} (${ownSource(config, key)}); raise the ceiling or lower that default`,
      });
    } else if (ownValue(base, key) > value) {
      conflicts.push({
        key,
        value,
        message: `expected at least the largest settings.roleGrants ${key} (${ownValue(base, key)}); raise the ceiling or lower that grant`,
      });
    }
  }
  const floor = written.minWindowSeconds;
  if (floor !== undefined && base.windowSeconds < floor) {
    conflicts.push({
      key: "minWindowSeconds",
      value: floor,
      message: `expected at most the bot-wide windowSeconds of ${base.windowSeconds} (${ownSource(config, "windowSeconds")}); lower the floor or lengthen that window`,
    });
  }
  return conflicts;
}

/**
 * Why a value a moderator typed is past the operator's bounds, in their words, or undefined when
 * it is within them. Grants are checked per role and limit.
 */
export function ceilingRefusal(key: SettingKey, value: unknown, ceilings: Ceilings): string | undefined {
  if (key === "windowSeconds" && typeof value === "number" && value < ceilings.minWindowSeconds) {
    return `windowSeconds: ${value} is below this bot's floor of ${ceilings.minWindowSeconds} seconds (set by its operator); pick ${ceilings.minWindowSeconds} or more.`;
  }
  if (isCeilingKey(key) && typeof value === "number" && value > ceilings[key]) {
    return `${key}: ${value} is above this bot's ceiling of ${ceilings[key]} (set by its operator); pick ${ceilings[key]} or less.`;
  }
  if (key === "roleGrants" && typeof value === "object" && value !== null) {
    for (const [roleId, grant] of Object.entries(value as Record<string, RoleGrant>)) {
      for (const limit of grantKeys) {
        const granted = grant[limit];
        if (granted !== undefined && granted > ceilings[limit]) {
          return `roleGrants: ${limit}=${granted} for <@&${roleId}> is above this bot's ceiling of ${ceilings[limit]} (set by its operator); pick ${ceilings[limit]} or less.`;
        }
      }
    }
  }
  return undefined;
}

/**
 * Effective values within the operator's bounds: a layer stored before a ceiling existed (or was
 * lowered), and every role grant, count at most the ceiling. Returns the keys it lowered (or, for
 * the window, raised), for `/settings show`.
 */
export function clampToCeilings(
  values: SettingValues,
  ceilings: Ceilings,
): { values: SettingValues; capped: SettingKey[] } {
  const clamped: SettingValues = { ...values };
  const capped: SettingKey[] = [];
  for (const key of ceilingKeys) {
    if (clamped[key] > ceilings[key]) {
      clamped[key] = ceilings[key];
      capped.push(key);
    }
  }
  if (clamped.windowSeconds < ceilings.minWindowSeconds) {
    clamped.windowSeconds = ceilings.minWindowSeconds;
    capped.push("windowSeconds");
  }
  let grantsCapped = false;
  const grants: Record<string, RoleGrant> = {};
  for (const [roleId, grant] of Object.entries(values.roleGrants)) {
    const within: RoleGrant = { ...grant };
    for (const limit of grantKeys) {
      const granted = within[limit];
      if (granted !== undefined && granted > ceilings[limit]) {
        within[limit] = ceilings[limit];
        grantsCapped = true;
      }
    }
    grants[roleId] = within;
  }
  clamped.roleGrants = grants;
  if (grantsCapped) capped.push("roleGrants");
  return { values: clamped, capped };
}

function isCeilingKey(key: SettingKey): key is CeilingKey {
  return (ceilingKeys as readonly string[]).includes(key);
}
