import type { Logger } from "pino";
import {
  settingsRecordSchema,
  type SettingsRecord,
  type SettingsStore,
} from "../../moderation/settings-store.js";
import type { RedisConnection } from "./redis-connection.js";
import { RedisKeyvNamespace } from "./redis-keyv-namespace.js";

/*
 * The key-value ports on Keyv's Redis adapter, in the namespaces the SQLite file uses
 * (`settings`, `meta`, `queue-eta`) under the storage's key prefix.
 */

const channelPrefix = "channel:";

/**
 * Namespace `settings`, keys `guild:<id>` and `channel:<id>`, plus a set per server of the
 * channels that have a record (`settings-channels:<guild>`), since Redis cannot query records by
 * a field. The set is written before the record and cleaned after it, so it may name a channel
 * too many, never too few: `channelsOf` reads each record and keeps those of the server asked.
 */
export class RedisSettingsStore implements SettingsStore {
  readonly #records: RedisKeyvNamespace<SettingsRecord>;
  readonly #redis: RedisConnection;

  constructor(redis: RedisConnection, logger: Logger) {
    this.#redis = redis;
    this.#records = new RedisKeyvNamespace(
      redis,
      redis.keys.keyvNamespace("settings"),
      settingsRecordSchema,
      logger,
    );
  }

  async get(key: string): Promise<SettingsRecord | undefined> {
    return this.#records.get(key);
  }

  async set(key: string, record: SettingsRecord): Promise<void> {
    const valid = settingsRecordSchema.parse(record);
    if (key.startsWith(channelPrefix)) {
      const channelId = key.slice(channelPrefix.length);
      await this.#redis.run(`indexing of settings ${key}`, async (client) =>
        client.sAdd(this.#redis.keys.settingsChannelsOf(valid.guildId), channelId),
      );
    }
    await this.#records.set(key, valid);
  }

  async delete(key: string): Promise<void> {
    const previous = key.startsWith(channelPrefix) ? await this.#records.get(key) : undefined;
    await this.#records.delete(key);
    if (previous) await this.#unindex(previous.guildId, key.slice(channelPrefix.length));
  }

  async channelsOf(guildId: string): Promise<Array<[string, SettingsRecord]>> {
    const channelIds = await this.#redis.run(`listing of the settings of ${guildId}`, async (client) =>
      client.sMembers(this.#redis.keys.settingsChannelsOf(guildId)),
    );
    const records = await Promise.all(
      channelIds.map(async (channelId) => this.#records.get(`${channelPrefix}${channelId}`)),
    );
    const channels: Array<[string, SettingsRecord]> = [];
    for (const [index, channelId] of channelIds.entries()) {
      const record = records[index];
      if (record?.guildId === guildId) channels.push([channelId, record]);
      else await this.#unindex(guildId, channelId);
    }
    return channels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async #unindex(guildId: string, channelId: string): Promise<void> {
    await this.#redis.run(`indexing of settings channel:${channelId}`, async (client) =>
      client.sRem(this.#redis.keys.settingsChannelsOf(guildId), channelId),
    );
  }
}
