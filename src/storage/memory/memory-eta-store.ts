import type { EtaSnapshot } from "../../queue/eta-model.js";
import type { EtaStore } from "../../queue/eta-store.js";

export class MemoryEtaStore implements EtaStore {
  #snapshot: EtaSnapshot | undefined;

  async load(): Promise<EtaSnapshot | undefined> {
    return Promise.resolve(this.#snapshot === undefined ? undefined : structuredClone(this.#snapshot));
  }

  async save(snapshot: EtaSnapshot): Promise<void> {
    this.#snapshot = structuredClone(snapshot);
    return Promise.resolve();
  }
}
