import type KeyvSqlite from "@keyv/sqlite";
import type { Logger } from "pino";
import {
  settingsRecordSchema,
  type SettingsRecord,
  type SettingsStore,
} from "../../moderation/settings-store.js";
import { KeyvNamespace } from "./keyv-namespace.js";

/*
 * The key-value ports on Keyv, in the namespaces and keys earlier versions used, so an upgraded
 * data file keeps its settings, ComfyUI client ids, registration hash and learned durations.
 */

/** Namespace `settings`, keys `guild:<id>` and `channel:<id>`. */
export class KeyvSettingsStore implements SettingsStore {
  readonly #records: KeyvNamespace<SettingsRecord>;

  constructor(sqlite: KeyvSqlite, logger: Logger) {
    this.#records = new KeyvNamespace(sqlite, "settings", settingsRecordSchema, logger);
  }

  async get(key: string): Promise<SettingsRecord | undefined> {
    return this.#records.get(key);
  }

  async set(key: string, record: SettingsRecord): Promise<void> {
    await this.#records.set(key, record);
  }

  async delete(key: string): Promise<void> {
    await this.#records.delete(key);
  }

  async channelsOf(guildId: string): Promise<Array<[string, SettingsRecord]>> {
    const channels: Array<[string, SettingsRecord]> = [];
    for (const key of await this.#records.keysWhere("channel:", "guildId", guildId)) {
      const record = await this.#records.get(key);
      if (record?.guildId === guildId) channels.push([key.slice("channel:".length), record]);
    }
    return channels;
  }
}
