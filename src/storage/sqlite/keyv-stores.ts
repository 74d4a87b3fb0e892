import type KeyvSqlite from "@keyv/sqlite";
import type { Logger } from "pino";
import { z } from "zod";
import {
  settingsRecordSchema,
  type SettingsRecord,
  type SettingsStore,
} from "../../moderation/settings-store.js";
import { etaSnapshotSchema, type EtaSnapshot } from "../../queue/eta-model.js";
import type { EtaStore } from "../../queue/eta-store.js";
import type { MetaStore } from "../meta-store.js";
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

/** Namespace `meta`: ComfyUI client ids and the command registration hash. */
export class KeyvMetaStore implements MetaStore {
  readonly #values: KeyvNamespace<string>;

  constructor(sqlite: KeyvSqlite, logger: Logger) {
    this.#values = new KeyvNamespace(sqlite, "meta", z.string(), logger);
  }

  async get(key: string): Promise<string | undefined> {
    return this.#values.get(key);
  }

  async set(key: string, value: string): Promise<void> {
    await this.#values.set(key, value);
  }

  async delete(key: string): Promise<boolean> {
    return this.#values.delete(key);
  }
}

/** Namespace `queue-eta`, key `eta`: the learned job durations. */
export class KeyvEtaStore implements EtaStore {
  readonly #snapshots: KeyvNamespace<EtaSnapshot>;

  constructor(sqlite: KeyvSqlite, logger: Logger) {
    this.#snapshots = new KeyvNamespace(sqlite, "queue-eta", etaSnapshotSchema, logger);
  }

  async load(): Promise<EtaSnapshot | undefined> {
    return this.#snapshots.get("eta");
  }

  async save(snapshot: EtaSnapshot): Promise<void> {
    await this.#snapshots.set("eta", snapshot);
  }
}
