import type { EtaSnapshot } from "../queue/eta-model.js";
import type { EtaStore } from "../queue/eta-store.js";
import type { MetaStore } from "./meta-store.js";

/** A Keyv namespace of checked records, on SQLite or on Redis: what the stores below need of it. */
export interface RecordNamespace<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T): Promise<void>;
  delete(key: string): Promise<boolean>;
}

/** Namespace `meta`: ComfyUI client ids and the command registration hash. */
export class NamespaceMetaStore implements MetaStore {
  readonly #values: RecordNamespace<string>;

  constructor(values: RecordNamespace<string>) {
    this.#values = values;
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
export class NamespaceEtaStore implements EtaStore {
  readonly #snapshots: RecordNamespace<EtaSnapshot>;

  constructor(snapshots: RecordNamespace<EtaSnapshot>) {
    this.#snapshots = snapshots;
  }

  async load(): Promise<EtaSnapshot | undefined> {
    return this.#snapshots.get("eta");
  }

  async save(snapshot: EtaSnapshot): Promise<void> {
    await this.#snapshots.set("eta", snapshot);
  }
}
