import type { EtaSnapshot } from "../queue/eta-model.js";
import type { EtaStore } from "../queue/eta-store.js";

/**
 * A Keyv namespace of checked records, on SQLite or on Redis: what the ETA store needs of it. A
 * namespace of strings is already a `MetaStore` (the same three methods), so the meta store is one.
 */
export interface RecordNamespace<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T): Promise<void>;
  delete(key: string): Promise<boolean>;
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
