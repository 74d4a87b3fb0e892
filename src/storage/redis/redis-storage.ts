import type { Logger } from "pino";
import type { SweepOptions } from "../../queue/job-store.js";
import { StorageOpenError } from "../storage-error.js";
import type { Storage } from "../storage.js";
import { FencedJobWriter } from "./fenced-job-writer.js";
import { RedisAdmission } from "./redis-admission.js";
import { RedisConnection, type RedisConnectionOptions } from "./redis-connection.js";
import { RedisJobEvents } from "./redis-job-events.js";
import { RedisJobStore } from "./redis-job-store.js";
import { z } from "zod";
import { etaSnapshotSchema } from "../../queue/eta-model.js";
import type { MetaStore } from "../meta-store.js";
import { NamespaceEtaStore } from "../namespace-eta-store.js";
import { RedisKeyvNamespace } from "./redis-keyv-namespace.js";
import { RedisSettingsStore } from "./redis-keyv-stores.js";
import { RedisLease } from "./redis-lease.js";
import { RedisInputSpool } from "./redis-input-spool.js";
import { RedisOutputSpool } from "./redis-output-spool.js";
import { RedisPreviews } from "./redis-previews.js";
import { RedisRateStore } from "./redis-rate-store.js";
import { RedisResultStore } from "./redis-result-store.js";

export interface RedisStorageOptions extends Omit<RedisConnectionOptions, "logger"> {
  logger: Logger;
  /** The rate store's clock (record expiry) and the set-aside time. */
  now?: () => number;
}

/**
 * Every port on one Redis (`STORE_URL=redis://…`), so several bot processes can share them.
 * Settings, meta and ETA records go through Keyv's Redis adapter; jobs, results and rate records,
 * which need indexes and atomic updates, are Redis's own hashes, sets and sorted sets written by
 * Lua scripts. All on one connection. Layout in `redis-keys.ts`.
 */
export class RedisStorage implements Storage {
  readonly jobs: RedisJobStore;
  readonly rates: RedisRateStore;
  readonly eta: NamespaceEtaStore;
  readonly results: RedisResultStore;
  readonly settings: RedisSettingsStore;
  readonly meta: MetaStore;
  readonly spool: RedisOutputSpool;
  readonly inputs: RedisInputSpool;
  readonly location: string;
  /** The connection, for the migration and the tests. */
  readonly connection: RedisConnection;
  /** Check-and-insert in one step, for several processes admitting at once. */
  readonly admission: RedisAdmission;
  /** Versioned job writes and the job event stream, for several processes sharing the store. */
  readonly events: RedisJobEvents;
  /** The latest preview of each running job, for the process that shows it. */
  readonly previews: RedisPreviews;
  readonly #logger: Logger;

  private constructor(connection: RedisConnection, options: RedisStorageOptions) {
    const { logger, now = Date.now } = options;
    this.connection = connection;
    this.#logger = logger;
    this.location = connection.location;
    this.jobs = new RedisJobStore(connection, logger.child({ store: "jobs" }), { now });
    this.rates = new RedisRateStore(connection, logger.child({ store: "rates" }), { now });
    this.results = new RedisResultStore(connection, logger.child({ store: "results" }));
    this.eta = new NamespaceEtaStore(
      new RedisKeyvNamespace(
        connection,
        connection.keys.keyvNamespace("queue-eta"),
        etaSnapshotSchema,
        logger.child({ store: "eta" }),
      ),
    );
    this.settings = new RedisSettingsStore(connection, logger.child({ store: "settings" }));
    this.meta = new RedisKeyvNamespace(
      connection,
      connection.keys.keyvNamespace("meta"),
      z.string(),
      logger.child({ store: "meta" }),
    );
    this.admission = new RedisAdmission(connection);
    this.events = new RedisJobEvents(connection);
    this.previews = new RedisPreviews(connection);
    this.spool = new RedisOutputSpool(connection);
    this.inputs = new RedisInputSpool(connection, { now });
  }

  /** A named lease with a fencing token (the conductor's). */
  lease(name: string): RedisLease {
    return new RedisLease(this.connection, name);
  }

  /** Job writes refused once `leaseName` was granted to someone newer than the writer's fence. */
  fencedJobs(leaseName: string): FencedJobWriter {
    return new FencedJobWriter(this.connection, leaseName);
  }

  /**
   * Connects, and files the stored jobs again when their indexes were built under another rule
   * (`jobIndexesVersion`); fails with a `StorageOpenError` naming STORE_URL (without its
   * credentials).
   */
  static async open(options: RedisStorageOptions): Promise<RedisStorage> {
    const connection = await RedisConnection.open(options);
    const storage = new RedisStorage(connection, options);
    try {
      const filed = await storage.jobs.rebuildIndexesIfStale();
      if (filed !== undefined && filed > 0) {
        options.logger.info({ jobs: filed }, "filed the stored jobs again under the current index rule");
      }
    } catch (error) {
      await connection.close();
      throw new StorageOpenError(
        `the jobs on Redis at ${connection.location} could not be indexed (${(error as Error).message})`,
        { cause: error },
      );
    }
    return storage;
  }

  async expireRateRecords(now: number, options?: SweepOptions): Promise<number> {
    return this.rates.expire(now, options);
  }

  /** Nothing to give back: Redis returns freed memory to its allocator by itself. */
  async reclaimSpace(): Promise<number> {
    return Promise.resolve(0);
  }

  async ping(): Promise<boolean> {
    try {
      await this.connection.run("health check", async (client) => client.ping());
      return true;
    } catch (error) {
      this.#logger.warn({ err: error }, "storage health check failed");
      return false;
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
