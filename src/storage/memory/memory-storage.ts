import { pino, type Logger } from "pino";
import type { Storage } from "../storage.js";
import { MemoryEtaStore } from "./memory-eta-store.js";
import { MemoryInputSpool } from "./memory-input-spool.js";
import { MemoryJobStore } from "./memory-job-store.js";
import { MemoryMetaStore } from "./memory-meta-store.js";
import { MemoryOutputSpool } from "./memory-output-spool.js";
import { MemoryRateStore } from "./memory-rate-store.js";
import { MemoryResultStore } from "./memory-result-store.js";
import { MemorySettingsStore } from "./memory-settings-store.js";

export interface MemoryStorageOptions {
  logger?: Logger;
  /** The rate store's clock (record expiry). */
  now?: () => number;
}

/** Every store in memory: nothing survives the process. For tests and the terminal's `generate`. */
export class MemoryStorage implements Storage {
  readonly jobs: MemoryJobStore;
  readonly rates: MemoryRateStore;
  readonly eta = new MemoryEtaStore();
  readonly spool = new MemoryOutputSpool();
  readonly inputs: MemoryInputSpool;
  readonly results: MemoryResultStore;
  readonly settings = new MemorySettingsStore();
  readonly meta = new MemoryMetaStore();
  readonly location = "memory";

  constructor(options: MemoryStorageOptions = {}) {
    const logger = options.logger ?? pino({ level: "silent" });
    this.jobs = new MemoryJobStore({ logger });
    this.results = new MemoryResultStore({ logger });
    this.rates = new MemoryRateStore(options.now);
    this.inputs = new MemoryInputSpool(options.now);
  }

  async expireRateRecords(now: number): Promise<number> {
    return this.rates.expire(now);
  }

  /** Nothing to give back: freed memory returns to the heap by itself. */
  async reclaimSpace(): Promise<number> {
    return Promise.resolve(0);
  }

  async ping(): Promise<boolean> {
    return Promise.resolve(true);
  }

  async close(): Promise<void> {
    return Promise.resolve();
  }
}
