import type { Logger } from "pino";
import type { Dispatcher } from "../queue/dispatcher.js";
import type { JobEngine } from "../queue/job-engine.js";
import { isInFlight } from "../queue/job.js";
import type { RedisConnection } from "../storage/redis/redis-connection.js";
import type { ConductorStatus } from "./line-view.js";

export interface StatusPublisherOptions {
  redis: RedisConnection;
  holder: string;
  dispatcher: Pick<Dispatcher, "onlineCount">;
  /** Prompts each backend holds for the bot now. */
  inFlight: () => Record<string, number>;
  logger: Logger;
  now: () => number;
  /** How often the status is written (default 1 s). */
  intervalMs?: number;
  /** How long it stays without a rewrite (default 5 s): a dead conductor's line disappears. */
  ttlMs?: number;
}

/**
 * Writes the conductor's view of the line to `P conductor:status` about once a second, for the
 * other processes' `/queue`, positions and ETAs (`LineView`). Also where `/healthz` and the scale
 * benchmark read when this term became ready.
 */
export class StatusPublisher {
  readonly #o: StatusPublisherOptions;
  #timer: NodeJS.Timeout | undefined;
  #term: { engine: JobEngine; fence: number; since: number; readyAt: number } | undefined;

  constructor(options: StatusPublisherOptions) {
    this.#o = options;
  }

  /** The term's engine has started: publish now, then every interval. `since`: when the lease was won. */
  start(engine: JobEngine, fence: number, since = this.#o.now()): void {
    this.stop();
    this.#term = { engine, fence, since, readyAt: this.#o.now() };
    this.publish();
    this.#timer = setInterval(() => this.publish(), this.#o.intervalMs ?? 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#term = undefined;
  }

  publish(): void {
    const term = this.#term;
    if (!term) return;
    const { engine } = term;
    const running: Record<string, number> = {};
    for (const job of engine.book.allActive()) {
      if (isInFlight(job)) running[job.id] = engine.etaMs(job.id) ?? 0;
    }
    const status: ConductorStatus = {
      holder: this.#o.holder,
      fence: term.fence,
      since: term.since,
      readyAt: term.readyAt,
      at: this.#o.now(),
      line: [...engine.ordered()].map(({ job, etaMs }) => [job.id, etaMs]),
      running,
      aheadMs: Math.round(engine.aheadMs()),
      backends: this.#o.dispatcher.onlineCount(),
      inFlight: this.#o.inFlight(),
    };
    const { redis } = this.#o;
    redis
      .run("publishing the conductor's status", async (client) =>
        client.set(redis.keys.conductorStatus, JSON.stringify(status), { PX: this.#o.ttlMs ?? 5000 }),
      )
      .catch((error: unknown) =>
        this.#o.logger.debug({ err: error }, "could not publish the conductor's status"),
      );
  }
}
