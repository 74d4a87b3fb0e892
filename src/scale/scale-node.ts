import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { AdmissionRequest, PolicyVerdict } from "../queue/admission.js";
import type { Dispatcher } from "../queue/dispatcher.js";
import type { QueueLimits } from "../queue/engine-options.js";
import { EtaModel } from "../queue/eta-model.js";
import type { RedisStorage } from "../storage/redis/redis-storage.js";
import { Conductor } from "./conductor.js";
import { conductorLeaseName, type LeaseTiming } from "./conductor-lease.js";
import { EventReader } from "./event-reader.js";
import type { GuildShards } from "./guild-shards.js";
import { JobMirror } from "./job-mirror.js";
import { LineView } from "./line-view.js";
import { SharedQueue } from "./shared-queue.js";
import { SharedTransitions } from "./shared-transitions.js";
import { StatusPublisher } from "./status-publisher.js";

export interface ScaleNodeOptions {
  storage: RedisStorage;
  /** The ComfyUI backends, used only while this process conducts. */
  dispatcher: Dispatcher;
  /** Prompts each backend holds for this process (published while conducting). */
  inFlight: () => Record<string, number>;
  limits: QueueLimits;
  shards: GuildShards;
  logger: Logger;
  precheck?: ((request: AdmissionRequest) => PolicyVerdict | Promise<PolicyVerdict>) | undefined;
  timing?: LeaseTiming | undefined;
  /** This process in the lease (default: host, pid and a random part). */
  holder?: string | undefined;
  positionIntervalMs?: number | undefined;
  onRole?: ((conducting: boolean) => void) | undefined;
  now?: () => number;
  newId?: () => string;
}

/**
 * One bot process among several on one Redis: its queue (`SharedQueue`: admission, cancels,
 * messages, reads), its reader of the job event stream, and its bid for the conductor lease
 * (`Conductor`). Started after the Discord layer subscribed, so nothing it tells is missed.
 */
export class ScaleNode {
  readonly queue: SharedQueue;
  readonly conductor: Conductor;
  readonly #o: ScaleNodeOptions;
  readonly #mirror = new JobMirror();
  readonly #eta = new EtaModel();
  readonly #line: LineView;
  readonly #reader: EventReader;

  constructor(options: ScaleNodeOptions) {
    this.#o = options;
    const { storage, logger } = options;
    const now = options.now ?? Date.now;
    const holder = options.holder ?? defaultHolder();
    this.#line = new LineView({ redis: storage.connection, eta: this.#eta, logger });
    this.queue = new SharedQueue({
      stores: storage,
      mirror: this.#mirror,
      line: this.#line,
      transitions: new SharedTransitions({ events: storage.events, spool: storage.spool, logger }),
      shards: options.shards,
      limits: options.limits,
      precheck: options.precheck,
      logger,
      now,
      ...(options.newId ? { newId: options.newId } : {}),
    });
    this.conductor = new Conductor({
      lease: storage.lease(conductorLeaseName),
      holder,
      timing: options.timing,
      stores: storage,
      status: new StatusPublisher({
        redis: storage.connection,
        holder,
        dispatcher: options.dispatcher,
        inFlight: options.inFlight,
        logger,
        now,
      }),
      dispatcher: options.dispatcher,
      limits: options.limits,
      leaseName: conductorLeaseName,
      logger: logger.child({ part: "conductor" }),
      now,
      newId: options.newId,
      positionIntervalMs: options.positionIntervalMs,
      onRole: options.onRole,
    });
    this.#reader = new EventReader({
      events: storage.events,
      redis: storage.connection,
      logger,
      onEntry: async (entry) => {
        await this.queue.receive(entry);
        await this.conductor.receive(entry);
      },
      onGap: async () => {
        const snapshot = await storage.events.snapshot();
        this.#mirror.load(snapshot.jobs);
        this.conductor.resync();
        return snapshot;
      },
    });
  }

  /** Loads the open jobs, follows the stream from there, opens admission and bids for the lease. */
  async start(): Promise<void> {
    const { storage } = this.#o;
    const learned = await storage.eta.load();
    if (learned) this.#eta.restore(learned);
    const snapshot = await storage.events.snapshot();
    this.#mirror.load(snapshot.jobs);
    await this.#line.start();
    await this.#reader.start(snapshot);
    this.queue.open();
    this.conductor.start();
    this.#o.logger.info(
      { holder: this.conductor.holder, open: snapshot.jobs.length },
      "shared queue started: admitting jobs, bidding for the conductor lease",
    );
  }

  /** The conductor lease as `/healthz` shows it: this process, and who holds it now. */
  async leaseHealth(): Promise<{ self: string; conducting: boolean; holder?: string; fence?: number }> {
    const current = await this.#o.storage.lease(conductorLeaseName).current();
    return { self: this.conductor.holder, conducting: this.conductor.conducting, ...current };
  }

  /** Resolves when none of the jobs this process shows waits or runs. */
  async onIdle(): Promise<void> {
    const idle = (): boolean => {
      const { queued, staged, running } = this.#mirror.counts();
      return queued + staged + running === 0;
    };
    if (idle()) return;
    await new Promise<void>((resolve) => {
      const unsubscribe = this.queue.subscribe(() => {
        if (!idle()) return;
        unsubscribe();
        resolve();
      });
    });
  }

  /**
   * Stops admitting; a conductor stops its term (prompts stay in ComfyUI, stored as they are) and
   * hands the lease over at once, telling the others through the stream so they need not wait.
   */
  async close(): Promise<void> {
    this.queue.close();
    const held = await this.conductor.close();
    if (held) {
      await this.#o.storage.events.publish({ k: "released" }).catch((error: unknown) => {
        this.#o.logger.warn(
          { err: error },
          "could not announce the released lease; it is taken within a second",
        );
      });
    }
    await this.#reader.stop();
    this.#line.stop();
  }
}

/** Host, pid and a random part: unique across restarts, readable in `/healthz` and logs. */
function defaultHolder(): string {
  return `${hostname().replace(/\s+/g, "_")}:${process.pid}:${randomBytes(3).toString("hex")}`;
}
