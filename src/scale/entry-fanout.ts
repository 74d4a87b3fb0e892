import type { Logger } from "pino";
import { KeyLock } from "../concurrency/key-lock.js";
import { isInFlight } from "../queue/job.js";
import type { OutputSpool } from "../queue/output-spool.js";
import type { QueueEvent } from "../queue/queue-events.js";
import type { RedisPreviews } from "../storage/redis/redis-previews.js";
import type { GuildShards } from "./guild-shards.js";
import type { JobMirror } from "./job-mirror.js";
import type { LineView } from "./line-view.js";
import { eventOf, type ScaleEntry } from "./stream-entry.js";

export interface FanoutStorage {
  spool: Pick<OutputSpool, "load">;
  previews: Pick<RedisPreviews, "load">;
}

export interface EntryFanoutOptions {
  mirror: JobMirror;
  line: LineView;
  shards: GuildShards;
  storage: FanoutStorage;
  /** To the process's subscribers (the message updater, the metrics). */
  emit: (event: QueueEvent) => void;
  logger: Logger;
}

/**
 * Turns job event stream entries into this process's state and queue events: every stored change
 * updates the mirror; the announcements and progress of jobs of this process's servers become
 * queue events, each job's in the order they were stored. Entries met again (this process's own
 * change first, then its stream copy) are recognised by revision and told once.
 *
 * Why replaying is safe: an entry carries the job as stored with its revision; the mirror keeps
 * the newest revision it saw, so an older or repeated entry changes nothing and is not told.
 */
export class EntryFanout {
  readonly #o: EntryFanoutOptions;
  /** A job's events are told one after another: a result's files are read before it is told. */
  readonly #inOrder = new KeyLock();
  readonly #forgotten = new Set<string>();
  readonly counters = { succeeded: 0, failed: 0, cancelled: 0, requeued: 0 };

  constructor(options: EntryFanoutOptions) {
    this.#o = options;
  }

  /** Resolves once the entry is taken in; its queue event may follow a moment later. */
  async receive(entry: ScaleEntry): Promise<void> {
    switch (entry.kind) {
      case "job":
        this.#job(entry);
        return Promise.resolve();
      case "live":
        this.#live(entry);
        return Promise.resolve();
      case "forgotten":
        this.forget(entry.jobIds);
        return Promise.resolve();
      case "released":
      case "unreadable":
        return Promise.resolve();
    }
  }

  /** Jobs of a member who used `/forget-me`: gone from the mirror, never written again here. */
  forget(jobIds: readonly string[]): void {
    this.#o.mirror.drop(jobIds);
    for (const id of jobIds) this.#forgotten.add(id);
  }

  isForgotten(jobId: string): boolean {
    return this.#forgotten.has(jobId);
  }

  #job(entry: Extract<ScaleEntry, { kind: "job" }>): void {
    const { job, announcement } = entry;
    if (!this.#o.mirror.apply(job, entry.rev) || !announcement) return;
    if (!this.#o.shards.owns(job.guildId)) return;
    if (announcement.type !== "queued" && announcement.type !== "staged" && announcement.type !== "started") {
      this.counters[announcement.type]++;
    }
    this.#tell(job.id, async () => {
      const files = announcement.type === "succeeded" ? await this.#o.storage.spool.load(job.id) : undefined;
      if (announcement.type === "succeeded" && !files) {
        this.#o.logger.error(
          { jobId: job.id },
          "a succeeded job's files were not kept; it is told without them",
        );
      }
      const line = {
        position: this.#o.line.position(job.id) ?? this.#o.mirror.counts().queued - 1,
        etaMs: this.#o.line.etaMs(job.id) ?? this.#o.line.estimate(job, 0).etaMs,
      };
      return eventOf(job, announcement, { files, line });
    });
  }

  #live(entry: Extract<ScaleEntry, { kind: "live" }>): void {
    const { jobId, event } = entry;
    const job = this.#o.mirror.known(jobId);
    if (!job || !this.#o.shards.owns(job.guildId)) return;
    this.#tell(jobId, async (): Promise<QueueEvent | undefined> => {
      // The job as it is when the event is told: a later stored change may have moved it on.
      const now = this.#o.mirror.known(jobId);
      if (!now) return undefined;
      if (event.type === "position") {
        return now.state === "queued" ? { ...event, job: now } : undefined;
      }
      if (!isInFlight(now)) return undefined;
      if (event.type !== "preview") return { ...event, job: now };
      const image = await this.#o.storage.previews.load(jobId);
      return image ? { type: "preview", job: now, image, contentType: event.contentType } : undefined;
    });
  }

  #tell(jobId: string, make: () => Promise<QueueEvent | undefined>): void {
    this.#inOrder
      .run(jobId, async () => {
        const event = await make();
        if (event) this.#o.emit(event);
      })
      .catch((error: unknown) => this.#o.logger.error({ err: error, jobId }, "telling a job event failed"));
  }
}
