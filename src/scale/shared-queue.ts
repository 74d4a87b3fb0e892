import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { defaults } from "../config/defaults.js";
import type {
  AdmissionDecision,
  AdmissionRequest,
  CancelDecision,
  CancelRequest,
  PolicyVerdict,
} from "../queue/admission.js";
import type { RunOutputFile } from "../queue/dispatcher.js";
import type { QueueLimits } from "../queue/engine-options.js";
import { admittedJob } from "../queue/job-lifecycle.js";
import type { Job, JobMessage, SucceededJob } from "../queue/job.js";
import type { OutputSpool } from "../queue/output-spool.js";
import type { QueuePort, QueueStats } from "../queue/queue-port.js";
import { QueueEvents, type QueueListener } from "../queue/queue-events.js";
import type { RateStore } from "../queue/rate-store.js";
import type { RedisAdmission } from "../storage/redis/redis-admission.js";
import type { RedisJobEvents } from "../storage/redis/redis-job-events.js";
import type { RedisJobStore } from "../storage/redis/redis-job-store.js";
import { EntryFanout, type FanoutStorage } from "./entry-fanout.js";
import type { GuildShards } from "./guild-shards.js";
import type { JobMirror } from "./job-mirror.js";
import type { LineView } from "./line-view.js";
import type { SharedOutcome, SharedTransitions } from "./shared-transitions.js";
import type { ScaleEntry } from "./stream-entry.js";

export interface SharedQueueOptions {
  stores: {
    jobs: Pick<RedisJobStore, "forgetUser">;
    rates: Pick<RateStore, "forgetUser">;
    spool: OutputSpool;
    events: RedisJobEvents;
    admission: RedisAdmission;
  } & FanoutStorage;
  mirror: JobMirror;
  line: LineView;
  transitions: SharedTransitions;
  shards: GuildShards;
  limits: QueueLimits;
  /** Asked when a request carries no verdict (the moderation policy). */
  precheck?: ((request: AdmissionRequest) => PolicyVerdict | Promise<PolicyVerdict>) | undefined;
  logger: Logger;
  now?: () => number;
  newId?: () => string;
}

/**
 * The queue as every bot process sharing Redis sees it. Admission is one Redis script that checks
 * the limits and stores the job (so two processes never both take a member's last place); cancels,
 * messages and deliveries are compare-and-set writes on the stored job; reads come from the
 * process's copy of the open jobs (`JobMirror`, fed by the job event stream) and the conductor's
 * published line. Subscribers hear the events of the jobs of this process's servers only: those
 * are the jobs whose messages this process edits.
 */
export class SharedQueue implements QueuePort {
  readonly #o: SharedQueueOptions;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #events: QueueEvents;
  readonly #fanout: EntryFanout;
  #state: QueueStats["state"] = "new";

  constructor(options: SharedQueueOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    this.#events = new QueueEvents(options.logger);
    this.#fanout = new EntryFanout({
      mirror: options.mirror,
      line: options.line,
      shards: options.shards,
      storage: options.stores,
      emit: (event) => this.#events.emit(event),
      logger: options.logger,
    });
  }

  /** Opens admission (the owner has loaded the mirror and follows the stream). */
  open(): void {
    if (this.#state === "new") this.#state = "open";
  }

  /** An entry of the job event stream, in order. */
  async receive(entry: ScaleEntry): Promise<void> {
    await this.#fanout.receive(entry);
  }

  async admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    if (this.#state !== "open") return { kind: "closed" };
    const verdict =
      request.verdict ?? (this.#o.precheck ? await this.#o.precheck(request) : { allowed: true });
    if (!verdict.allowed) return { kind: "refused", reason: verdict.reason, code: verdict.code };
    const { admission } = this.#o.stores;
    const limits = this.#o.limits;
    let outcome;
    let job;
    try {
      const seq = await admission.allocateSeq();
      job = admittedJob(request, { id: this.#newId(), seq, now: this.#now() });
      outcome = await admission.admit(job, {
        ...request.limits,
        maxSize: limits.maxSize,
        maxPerGuild: limits.maxPerGuild ?? defaults.queue.maxPerGuild,
      });
    } catch (error) {
      this.#o.logger.error(
        { err: error, userId: request.userId },
        "could not store an admitted job; refused",
      );
      return { kind: "store_failed" };
    }
    if (outcome.kind !== "accepted") return outcome;
    const place = this.#o.line.estimate(job, this.#o.mirror.counts().queued);
    // Told here as the stream will tell it (revision 1): the stream's copy is then not news.
    await this.#fanout.receive({
      id: "",
      n: 0,
      kind: "job",
      job,
      rev: 1,
      announcement: { type: "queued" },
    });
    return { kind: "accepted", job, ...place };
  }

  async cancel(jobId: string, by: CancelRequest): Promise<CancelDecision> {
    const job = this.#o.mirror.known(jobId) ?? (await this.#o.stores.events.get(jobId))?.job;
    if (!job) return { kind: "not_found" };
    const byOwner = job.userId === by.userId;
    if (!byOwner && by.byModerator !== true) return { kind: "not_allowed" };
    const outcome = await this.#apply(jobId, {
      type: "cancel",
      by: byOwner ? "owner" : "moderator",
      at: this.#now(),
    });
    const now = outcome.job ?? job;
    return now.state === "cancelled"
      ? { kind: "cancelled", job: now }
      : { kind: "already_finished", job: now };
  }

  /**
   * `/forget-me`: cancels the member's unfinished jobs, deletes their job records (and their
   * entries on the job event stream), kept outputs and rate-limit record, then tells every
   * process: a result of theirs being posted elsewhere is then neither indexed nor closed.
   */
  async forgetUser(userId: string): Promise<{ cancelled: number; jobs: number; rateRecords: number }> {
    const { mirror, stores } = this.#o;
    let cancelled = 0;
    for (const job of mirror.jobsOf(userId)) {
      const decision = await this.cancel(job.id, { userId });
      if (decision.kind === "cancelled") cancelled++;
    }
    const ids = mirror.idsOf(userId);
    this.#fanout.forget(ids);
    for (const job of mirror.undelivered((held) => held.userId === userId))
      await stores.spool.discard(job.id);
    const jobs = await stores.jobs.forgetUser(userId);
    const rateRecords = (await stores.rates.forgetUser(userId)) ? 1 : 0;
    await stores.events.publish({ k: "forgotten", ids: JSON.stringify(ids) });
    return { cancelled, jobs, rateRecords };
  }

  isForgotten(jobId: string): boolean {
    return this.#fanout.isForgotten(jobId);
  }

  async setMessages(jobId: string, messages: readonly JobMessage[]): Promise<boolean> {
    const outcome = await this.#apply(jobId, { type: "retarget", messages });
    return outcome.kind === "applied";
  }

  async delivered(jobId: string, messages: readonly JobMessage[]): Promise<void> {
    await this.#apply(jobId, { type: "deliver", messages, at: this.#now() });
  }

  async undeliverable(jobId: string, reason: string): Promise<void> {
    await this.#apply(jobId, { type: "give_up_delivery", reason, at: this.#now() });
  }

  undelivered(): SucceededJob[] {
    return this.#o.mirror.undelivered((job) => this.#o.shards.owns(job.guildId));
  }

  async outputsOf(jobId: string): Promise<RunOutputFile[] | undefined> {
    return this.#o.stores.spool.load(jobId);
  }

  subscribe(listener: QueueListener): () => void {
    return this.#events.subscribe(listener);
  }

  get(jobId: string): Job | undefined {
    return this.#o.mirror.known(jobId);
  }

  async load(jobId: string): Promise<Job | undefined> {
    return this.get(jobId) ?? (await this.#o.stores.events.get(jobId))?.job;
  }

  jobsOf(userId: string): Job[] {
    return this.#o.mirror.jobsOf(userId);
  }

  position(jobId: string): number | undefined {
    return this.#o.mirror.known(jobId)?.state === "queued" ? this.#o.line.position(jobId) : undefined;
  }

  etaMs(jobId: string): number | undefined {
    return this.#o.line.etaMs(jobId);
  }

  unfinished(): Job[] {
    return this.#o.mirror.unfinished((job) => this.#o.shards.owns(job.guildId));
  }

  get depth(): number {
    return this.#o.mirror.counts().queued;
  }

  stats(): QueueStats {
    return { ...this.#o.mirror.counts(), ...this.#fanout.counters, state: this.#state };
  }

  /** Stops admitting; events still reach subscribers until the reader stops. */
  close(): void {
    this.#state = "closed";
  }

  /** A change by this process: taken in at once, as the stream will repeat it. */
  async #apply(jobId: string, event: Parameters<SharedTransitions["apply"]>[1]): Promise<SharedOutcome> {
    const outcome = await this.#o.transitions.apply(jobId, event);
    if (outcome.kind === "applied") {
      await this.#fanout.receive({
        id: "",
        n: 0,
        kind: "job",
        job: outcome.job,
        rev: outcome.rev,
        announcement: outcome.announcement,
      });
    }
    return outcome;
  }
}
