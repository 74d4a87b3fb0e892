import {
  settingsRecordSchema,
  type SettingsRecord,
  type SettingsStore,
} from "../../moderation/settings-store.js";

/** Settings layers in a Map, for tests and `generate`; records are copied in and out. */
export class MemorySettingsStore implements SettingsStore {
  readonly #records = new Map<string, SettingsRecord>();

  async get(key: string): Promise<SettingsRecord | undefined> {
    const record = this.#records.get(key);
    return Promise.resolve(record === undefined ? undefined : structuredClone(record));
  }

  async set(key: string, record: SettingsRecord): Promise<void> {
    this.#records.set(key, settingsRecordSchema.parse(record));
    return Promise.resolve();
  }

  async delete(key: string): Promise<void> {
    this.#records.delete(key);
    return Promise.resolve();
  }

  async channelsOf(guildId: string): Promise<Array<[string, SettingsRecord]>> {
    const channels: Array<[string, SettingsRecord]> = [];
    for (const [key, record] of this.#records) {
      if (key.startsWith("channel:") && record.guildId === guildId) {
        channels.push([key.slice("channel:".length), structuredClone(record)]);
      }
    }
    return Promise.resolve(channels);
  }
}
