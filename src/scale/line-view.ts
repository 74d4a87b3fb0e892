import type { Logger } from "pino";
import { z } from "zod";
import type { EtaModel } from "../queue/eta-model.js";
import type { Job } from "../queue/job.js";
import { readRecord } from "../storage/read-record.js";
import type { RedisConnection } from "../storage/redis/redis-connection.js";

/**
 * What the conductor publishes about the line (`P conductor:status`, a short TTL, rewritten about
 * once a second): the fair scheduler's dispatch order is not admission order, so only the
 * conductor knows places and ETAs; the other processes read them from here.
 */
export const conductorStatusSchema = z.object({
  /** Who conducts, and the fence of its lease. */
  holder: z.string(),
  fence: z.number(),
  /** When it took the lease and when it had reattached the prompts in flight. */
  since: z.number(),
  readyAt: z.number(),
  at: z.number(),
  /** Waiting jobs in dispatch order: [job id, ETA ms]. */
  line: z.array(z.tuple([z.string(), z.number()])),
  /** Jobs in flight: job id → expected ms left. */
  running: z.record(z.string(), z.number()),
  /** Expected work ahead of a job joining the line now, and the backends sharing it. */
  aheadMs: z.number(),
  backends: z.number(),
  /** Prompts each backend runs or holds for the bot. */
  inFlight: z.record(z.string(), z.number()),
});
export type ConductorStatus = z.infer<typeof conductorStatusSchema>;

export interface LineViewOptions {
  redis: RedisConnection;
  /** Learned durations (loaded from the store), for a job the published line does not list yet. */
  eta: Pick<EtaModel, "expectedMs">;
  logger: Logger;
  /** How often the status is read again (default 1 s). */
  refreshMs?: number;
}

/**
 * The conductor's published line, read by every process for `/queue`, positions and ETAs. Reads
 * are synchronous (from the last copy); between two publications, or while no process conducts
 * (a failover), it answers from the last copy or not at all.
 */
export class LineView {
  readonly #options: LineViewOptions;
  #status: ConductorStatus | undefined;
  #positions = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LineViewOptions) {
    this.#options = options;
  }

  get status(): ConductorStatus | undefined {
    return this.#status;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#options.refreshMs ?? 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async refresh(): Promise<void> {
    const { redis, logger } = this.#options;
    let text: string | null;
    try {
      text = await redis.run("reading the conductor's status", async (client) =>
        client.get(redis.keys.conductorStatus),
      );
    } catch (error) {
      logger.debug({ err: error }, "could not read the conductor's status");
      return;
    }
    if (text === null) {
      this.#status = undefined;
      this.#positions = new Map();
      return;
    }
    const read = readRecord(conductorStatusSchema, text);
    if (!read.ok) {
      logger.warn({ reason: read.reason }, "the conductor's status cannot be read");
      return;
    }
    this.#status = read.value;
    this.#positions = new Map(read.value.line.map(([id], index) => [id, index]));
  }

  /** Jobs dispatched before this waiting one, as the conductor last said. */
  position(jobId: string): number | undefined {
    return this.#positions.get(jobId);
  }

  /** Expected ms until the job is done, as the conductor last said. */
  etaMs(jobId: string): number | undefined {
    const index = this.#positions.get(jobId);
    if (index !== undefined) return this.#status?.line[index]?.[1];
    return this.#status?.running[jobId];
  }

  /** Where a job joining the line now would stand, and its ETA (the conductor's figures soon replace these). */
  estimate(job: Job, waiting: number): { position: number; etaMs: number } {
    const own = this.#options.eta.expectedMs(job);
    const status = this.#status;
    if (!status) return { position: waiting, etaMs: own };
    const position = Math.max(waiting, status.line.length);
    return { position, etaMs: Math.round(status.aheadMs / Math.max(1, status.backends) + own) };
  }

  /** Prompts the conductor has on a backend. */
  inFlight(backendId: string): number {
    return this.#status?.inFlight[backendId] ?? 0;
  }
}
