import type { EffectiveLimits } from "../../queue/admission.js";
import { jobSchema, type QueuedJob } from "../../queue/job.js";
import { StorageError } from "../storage-error.js";
import { allocateSeqScript, admitScript } from "./admission-script.js";
import { jobArguments } from "./job-indexes.js";
import { replyFields } from "./lua-script.js";
import type { RedisConnection } from "./redis-connection.js";

/** Every limit one admission is checked against: the member's, and the queue's caps. */
export interface AdmissionLimits extends Pick<
  EffectiveLimits,
  "jobsPerWindow" | "windowSeconds" | "maxQueuedPerUser"
> {
  /** Jobs waiting in line, every server together (`queue.maxSize`). */
  maxSize: number;
  /** Jobs waiting in line from one server (`queue.maxPerGuild`). */
  maxPerGuild: number;
}

/**
 * What an atomic admission answered. The refusals are the queue's `AdmissionDecision` kinds with
 * the same fields, so the queue can pass them on as they are.
 */
export type AtomicAdmitOutcome =
  /** Stored, and the rate-limit hit counted at `at`. */
  | { kind: "accepted"; at: number }
  | { kind: "too_many_queued"; limit: number; queued: number }
  | { kind: "queue_full"; maxSize: number }
  | { kind: "guild_queue_full"; maxPerGuild: number }
  | { kind: "rate_limited"; retryAfterMs: number; limit: number; windowSeconds: number };

/**
 * Admission for several bot processes on one Redis: the checks of the queue's in-memory
 * `AdmissionGate` and the job's insert with the rate-limit hit, as one Redis script, so no two
 * processes both take the last place under a limit. The shared queue (`src/scale/shared-queue.ts`)
 * calls `allocateSeq` and `admit` instead of the gate's check-then-store.
 */
export interface AtomicAdmission {
  /** The next `seq`: unique and increasing across every process sharing the store. */
  allocateSeq(): Promise<number>;
  /**
   * Checks the limits and, only when every one passes, stores `job` and counts the member's
   * hit at `now`. Rejects with a `StorageError` when Redis failed (nothing was stored then) or
   * when the job's id is stored already (`conflict`).
   */
  admit(job: QueuedJob, limits: AdmissionLimits, now?: number): Promise<AtomicAdmitOutcome>;
}

/** `AtomicAdmission` on the storage's Redis connection. */
export class RedisAdmission implements AtomicAdmission {
  readonly #redis: RedisConnection;

  constructor(redis: RedisConnection) {
    this.#redis = redis;
  }

  async allocateSeq(): Promise<number> {
    const seq = await this.#redis.run("allocation of a job seq", async (client) =>
      allocateSeqScript.run(client, [this.#redis.keys.prefix]),
    );
    return Number(seq);
  }

  async admit(
    job: QueuedJob,
    limits: AdmissionLimits,
    now: number = Date.now(),
  ): Promise<AtomicAdmitOutcome> {
    const args = jobArguments(jobSchema.parse(job));
    const reply = await this.#redis.run(`admission of job ${job.id}`, async (client) =>
      admitScript.run(client, [
        this.#redis.keys.prefix,
        limits.maxQueuedPerUser,
        limits.maxSize,
        limits.maxPerGuild,
        limits.jobsPerWindow,
        limits.windowSeconds * 1000,
        now,
        ...args,
      ]),
    );
    const [kind = "", value] = replyFields(reply);
    switch (kind) {
      case "accepted":
        return { kind, at: Number(value) };
      case "too_many_queued":
        return { kind, limit: limits.maxQueuedPerUser, queued: Number(value) };
      case "queue_full":
        return { kind, maxSize: limits.maxSize };
      case "guild_queue_full":
        return { kind, maxPerGuild: limits.maxPerGuild };
      case "rate_limited":
        return {
          kind,
          retryAfterMs: Number(value),
          limit: limits.jobsPerWindow,
          windowSeconds: limits.windowSeconds,
        };
      case "exists":
        throw new StorageError("conflict", `job ${job.id} is already stored`);
      default:
        throw new StorageError("failed", `admission of job ${job.id} got an unexpected reply: ${kind}`);
    }
  }
}
