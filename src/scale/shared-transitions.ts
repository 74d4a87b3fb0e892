import type { Logger } from "pino";
import { transition, type JobEvent } from "../queue/job-lifecycle.js";
import type { Job, JobRun } from "../queue/job.js";
import type { OutputSpool } from "../queue/output-spool.js";
import type { QueueEvent } from "../queue/queue-events.js";
import type { RedisJobEvents } from "../storage/redis/redis-job-events.js";
import { announcementText, type Announcement } from "./stream-entry.js";

export type SharedOutcome =
  /** Stored (revision `rev`) and on the stream with its announcement. */
  | { kind: "applied"; job: Job; rev: number; announcement: Announcement | undefined }
  /** The event does not apply to the job as stored now (`job`), or the job is gone. */
  | { kind: "ignored"; job: Job | undefined };

/** How many times a change is decided again after another process changed the job first. */
const maxAttempts = 5;

/**
 * Job changes any bot process may make on the shared store without the conductor: a cancel
 * from whichever process's shard the member clicked in, the messages and the delivery of a
 * result from the process that posts it. Each is `transition()` on the job as stored, written by
 * compare-and-set on its revision, and decided again if another process changed it first (the
 * conductor staging it meanwhile, say). The conductor's part of an effect follows from the
 * stream: a cancelled run's prompt waits in `P runs:to-stop` until a conductor takes it back, so
 * a cancel during a failover is carried out by the next conductor.
 */
export class SharedTransitions {
  readonly #events: RedisJobEvents;
  readonly #spool: Pick<OutputSpool, "discard">;
  readonly #logger: Logger;

  constructor(options: { events: RedisJobEvents; spool: Pick<OutputSpool, "discard">; logger: Logger }) {
    this.#events = options.events;
    this.#spool = options.spool;
    this.#logger = options.logger;
  }

  /** Rejects with a `StorageError` when Redis failed (nothing was stored). */
  async apply(jobId: string, event: JobEvent): Promise<SharedOutcome> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.#events.get(jobId);
      if (!stored) return { kind: "ignored", job: undefined };
      const result = transition(stored.job, event);
      if (result.kind === "ignored") return { kind: "ignored", job: stored.job };
      let announced: QueueEvent | undefined;
      let stopRun: JobRun | undefined;
      for (const effect of result.effects) {
        if (effect.type === "announce") announced = effect.event;
        if (effect.type === "stop_remote") stopRun = effect.run;
      }
      const text = announcementText(announced);
      const reply = await this.#events.commit({
        job: result.job,
        expectRev: stored.rev,
        announcement: text,
        stopRun,
      });
      if (reply.kind === "stored") {
        if (result.effects.some((effect) => effect.type === "discard_outputs")) this.#discard(jobId);
        const announcement = text === "" ? undefined : (JSON.parse(text) as Announcement);
        return { kind: "applied", job: result.job, rev: reply.rev, announcement };
      }
      if (attempt >= maxAttempts) {
        this.#logger.warn({ jobId, event: event.type }, "job kept changing under an event; dropped it");
        return { kind: "ignored", job: reply.kind === "changed" ? reply.current?.job : stored.job };
      }
    }
  }

  #discard(jobId: string): void {
    this.#spool.discard(jobId).catch((error: unknown) => {
      // Only memory: the job is closed, and nothing reads these files again.
      this.#logger.warn({ err: error, jobId }, "could not delete a posted job's kept outputs");
    });
  }
}
