import { defaults } from "../config/defaults.js";
import type { z } from "zod";
import type { RoleGrant, SettingKey, SettingsLayer, settingsShape } from "./settings-schema.js";
import { settingKeys } from "./settings-schema.js";

type FullValues = { [K in SettingKey]: z.infer<(typeof settingsShape)[K]> };

/** Every setting with a value; `modLogChannel` alone may be unset. */
export type SettingValues = Omit<FullValues, "modLogChannel"> & { modLogChannel: string | undefined };

export type SettingSource = "default" | "server" | "channel";

export interface EffectiveSettings {
  values: SettingValues;
  /** Which layer each value comes from (the most specific one that contributed). */
  sources: Record<SettingKey, SettingSource>;
  /** Keys held to the operator's ceilings (`src/moderation/ceilings.ts`): a layer asked for more. */
  capped?: readonly SettingKey[];
}

export interface BotSettingsConfig {
  /** The config file's `settings:` block. */
  settings?: SettingsLayer | undefined;
  /** The config file's `rateLimit:` block; `settings:` rate keys win over it. */
  rateLimit?:
    Partial<Pick<SettingValues, "jobsPerWindow" | "windowSeconds" | "maxQueuedPerUser">> | undefined;
}

/** What is added to the negative prompt where NSFW output is not allowed, unless configured. */
export const defaultSfwNegative = "nsfw, nude, naked, explicit";

/**
 * The bottom layer: the defaults table, then the config file's `rateLimit:` and
 * `settings:` blocks. Empty `workflows`/`models`/`styles` lists mean "all allowed".
 */
export function botSettingsDefaults(config: BotSettingsConfig = {}): SettingValues {
  const base: SettingValues = {
    ...defaults.settings,
    bannedTerms: [...defaults.settings.bannedTerms],
    sfwNegative: defaultSfwNegative,
    workflows: [],
    models: [],
    styles: [],
    ...defaults.rateLimit,
    roleGrants: {},
    modLogChannel: undefined,
  };
  const values = base as Record<string, unknown>;
  for (const layer of [config.rateLimit ?? {}, config.settings ?? {}]) {
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) values[key] = value;
  }
  return base;
}

export interface SettingsLayers {
  server?: SettingsLayer | undefined;
  /** The channel's layer; for a thread, its parent channel's layer. */
  channel?: SettingsLayer | undefined;
}

/**
 * Resolves bot defaults → server → channel. A more specific layer replaces a value, with
 * two exceptions that keep moderation from being loosened by accident:
 * - `bannedTerms` add up: a channel list extends the server's and the bot's lists, so a
 *   term banned server-wide stays banned in every channel.
 * - `roleGrants` merge per role: a channel grant for a role replaces that role's server
 *   grant, other roles keep theirs.
 */
export function resolveEffectiveSettings(base: SettingValues, layers: SettingsLayers): EffectiveSettings {
  const values: SettingValues = { ...base };
  const sources = Object.fromEntries(settingKeys.map((key) => [key, "default"])) as Record<
    SettingKey,
    SettingSource
  >;
  const ordered: [SettingSource, SettingsLayer | undefined][] = [
    ["server", layers.server],
    ["channel", layers.channel],
  ];
  for (const [source, layer] of ordered) {
    if (!layer) continue;
    for (const key of settingKeys) {
      if (layer[key] === undefined) continue;
      sources[key] = source;
      assignLayered(values, layer, key);
    }
  }
  return { values, sources };
}

function assignLayered(values: SettingValues, layer: SettingsLayer, key: SettingKey): void {
  if (key === "bannedTerms") {
    values.bannedTerms = [...new Set([...values.bannedTerms, ...(layer.bannedTerms ?? [])])];
  } else if (key === "roleGrants") {
    const grants: Record<string, RoleGrant> = { ...values.roleGrants, ...layer.roleGrants };
    values.roleGrants = grants;
  } else {
    // The key is the same on both sides; TypeScript cannot correlate the two lookups.
    (values as Record<SettingKey, unknown>)[key] = layer[key];
  }
}
