import type { EtaSnapshot } from "./eta-model.js";

/** Where the learned job durations survive a restart. Every method rejects when the store failed. */
export interface EtaStore {
  load(): Promise<EtaSnapshot | undefined>;
  save(snapshot: EtaSnapshot): Promise<void>;
}
