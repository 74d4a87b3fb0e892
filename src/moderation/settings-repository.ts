import { clampToCeilings, type Ceilings } from "./ceilings.js";
import {
  resolveEffectiveSettings,
  type EffectiveSettings,
  type SettingValues,
} from "./effective-settings.js";
import { settingsLayerSchema, type SettingsLayer } from "./settings-schema.js";
import type { SettingsStore } from "./settings-store.js";

/** Where a moderator's change applies. */
export type SettingsScope =
  { kind: "server"; guildId: string } | { kind: "channel"; guildId: string; channelId: string };

/** Where a job is requested; `parentId` is set for threads, which follow their parent channel. */
export interface ChannelLocation {
  guildId: string;
  channelId: string;
  parentId?: string | undefined;
}

/** The channel scope for a location: a thread's settings live on its parent channel. */
export function channelScope(location: ChannelLocation): SettingsScope {
  return { kind: "channel", guildId: location.guildId, channelId: location.parentId ?? location.channelId };
}

export function scopeKey(scope: SettingsScope): string {
  return scope.kind === "server" ? `guild:${scope.guildId}` : `channel:${scope.channelId}`;
}

/**
 * Server and channel settings layers in the settings store (keys `guild:<id>` and
 * `channel:<id>`), resolved over the bot defaults and held to the operator's ceilings.
 */
export class SettingsRepository {
  readonly #store: SettingsStore;
  readonly #base: SettingValues;
  readonly #ceilings: Ceilings;
  // Read-modify-write per key runs one at a time, so two moderators editing the same
  // scope at once cannot lose each other's change.
  readonly #pending = new Map<string, Promise<unknown>>();
  /**
   * Write-through copy of every layer read or written. This process is the store's only writer,
   * so the copy stays exact; it lets dispatch re-check a waiting job's rules synchronously.
   */
  readonly #layers = new Map<string, SettingsLayer>();

  constructor(store: SettingsStore, base: SettingValues, ceilings: Ceilings) {
    this.#store = store;
    this.#base = base;
    this.#ceilings = ceilings;
  }

  get botDefaults(): SettingValues {
    return this.#base;
  }

  /** The operator's bounds on what a layer may set (`ceilings:` in the config). */
  get ceilings(): Ceilings {
    return this.#ceilings;
  }

  async getLayer(scope: SettingsScope): Promise<SettingsLayer> {
    const key = scopeKey(scope);
    const cached = this.#layers.get(key);
    if (cached) return cached;
    const layer = (await this.#store.get(key))?.settings ?? {};
    this.#layers.set(key, layer);
    return layer;
  }

  /** Effective settings from the in-memory copy only; undefined when a layer was never read. */
  resolveCached(location: ChannelLocation): EffectiveSettings | undefined {
    const server = this.#layers.get(scopeKey({ kind: "server", guildId: location.guildId }));
    const channel = this.#layers.get(scopeKey(channelScope(location)));
    return server && channel ? this.#effective({ server, channel }) : undefined;
  }

  /** Applies `change` to the scope's layer and stores it; an empty layer is deleted. */
  async update(
    scope: SettingsScope,
    change: (layer: SettingsLayer) => SettingsLayer,
  ): Promise<{ before: SettingsLayer; after: SettingsLayer }> {
    const key = scopeKey(scope);
    const previous = this.#pending.get(key) ?? Promise.resolve();
    const run = (async () => {
      // Only the previous change's end matters here; its outcome went to its own caller.
      await Promise.allSettled([previous]);
      const before = await this.getLayer(scope);
      const after = settingsLayerSchema.parse(change({ ...before }));
      // Stored first: a change the store refused is not in the cache either.
      if (Object.keys(after).length === 0) await this.#store.delete(key);
      else await this.#store.set(key, { guildId: scope.guildId, settings: after });
      this.#layers.set(key, after);
      return { before, after };
    })();
    this.#pending.set(key, run);
    void Promise.allSettled([run]).then(() => {
      if (this.#pending.get(key) === run) this.#pending.delete(key);
    });
    return run;
  }

  /** Effective settings for a channel or thread, with where each value comes from. */
  async resolve(location: ChannelLocation): Promise<EffectiveSettings> {
    const [server, channel] = await Promise.all([
      this.getLayer({ kind: "server", guildId: location.guildId }),
      this.getLayer(channelScope(location)),
    ]);
    return this.#effective({ server, channel });
  }

  /**
   * Layers over the defaults, then held to the ceilings: a layer stored before a ceiling was set or
   * lowered, and every role grant, count at most the ceiling.
   */
  #effective(layers: { server: SettingsLayer; channel: SettingsLayer }): EffectiveSettings {
    const resolved = resolveEffectiveSettings(this.#base, layers);
    const { values, capped } = clampToCeilings(resolved.values, this.#ceilings);
    return capped.length > 0 ? { ...resolved, values, capped } : { ...resolved, values };
  }

  /**
   * Channels of a server where a moderator turned generation on explicitly, for "not
   * here, try #art" replies. Channels that only inherit `enabled` are not listed.
   */
  async enabledChannelIds(guildId: string): Promise<string[]> {
    const channels = await this.#store.channelsOf(guildId);
    return channels
      .filter(([, record]) => record.settings.enabled === true)
      .map(([channelId]) => channelId)
      .sort();
  }
}
