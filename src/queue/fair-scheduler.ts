import { FairLane, memberKey, type LineEntry } from "./fair-lane.js";
import { ServiceLedger } from "./service-ledger.js";

export type { LineEntry } from "./fair-lane.js";

/**
 * The waiting line: a priority lane (members with a priority grant) served before the normal
 * lane, each lane fair between servers and, within a server, between members (see `FairLane`).
 * It also keeps the service the fairness counts: which jobs are in flight, and who was served
 * when. Holds job ids and owners only; it knows nothing of states, backends or storage.
 */
export class FairScheduler {
  #tick = 0;
  readonly #members = new ServiceLedger(() => ++this.#tick);
  readonly #guilds = new ServiceLedger(() => ++this.#tick);
  readonly #priority = new FairLane({ members: this.#members, guilds: this.#guilds });
  readonly #normal = new FairLane({ members: this.#members, guilds: this.#guilds });
  readonly #waiting = new Map<string, LineEntry>();
  readonly #inFlight = new Map<string, LineEntry>();

  get size(): number {
    return this.#waiting.size;
  }

  /** Members with a job waiting. */
  get users(): number {
    return this.#priority.users + this.#normal.users;
  }

  has(jobId: string): boolean {
    return this.#waiting.has(jobId);
  }

  /** Jobs of one server waiting in either lane. */
  waitingIn(guildId: string): number {
    return this.#priority.waitingIn(guildId) + this.#normal.waitingIn(guildId);
  }

  push(job: LineEntry): void {
    const entry = entryOf(job);
    this.#lane(entry).push(entry);
    this.#waiting.set(entry.id, entry);
  }

  /**
   * Back to the head of its member's FIFO, owed a turn: a job ComfyUI lost, or one whose dispatch
   * could not be stored. If it was in flight, that service is released.
   */
  unshift(job: LineEntry): void {
    this.released(job.id);
    const entry = entryOf(job);
    this.#lane(entry).unshift(entry);
    this.#waiting.set(entry.id, entry);
    this.#members.owe(memberKey(entry.guildId, entry.userId));
    this.#guilds.owe(entry.guildId);
  }

  /** Leaves the line without costing its member a turn (cancelled, failed). */
  remove(jobId: string): boolean {
    const entry = this.#waiting.get(jobId);
    if (!entry) return false;
    this.#waiting.delete(jobId);
    return this.#lane(entry).remove(entry);
  }

  /** Leaves the line to be dispatched: it counts as service in flight until `released`. */
  take(jobId: string): boolean {
    const entry = this.#waiting.get(jobId);
    if (!entry) return false;
    this.#waiting.delete(jobId);
    this.#lane(entry).remove(entry);
    this.#serve(entry);
    return true;
  }

  /** A job found in flight at start-up (staged or running before a restart). */
  resumeInFlight(job: LineEntry): void {
    if (!this.#inFlight.has(job.id)) this.#serve(entryOf(job));
  }

  /** The job left its backend (finished, cancelled or lost); unknown ids are ignored. */
  released(jobId: string): void {
    const entry = this.#inFlight.get(jobId);
    if (!entry) return;
    this.#inFlight.delete(jobId);
    this.#members.released(memberKey(entry.guildId, entry.userId));
    this.#guilds.released(entry.guildId);
  }

  /** Candidates for dispatch in service order: each member's head, priority lane first. */
  *heads(): Generator<string> {
    for (const entry of this.#priority.heads()) yield entry.id;
    for (const entry of this.#normal.heads()) yield entry.id;
  }

  /** Jobs dispatched before this one if every backend took jobs in order; undefined if not waiting. */
  position(jobId: string): number | undefined {
    const entry = this.#waiting.get(jobId);
    if (!entry) return undefined;
    if (entry.priority) return this.#priority.position(entry);
    const inLane = this.#normal.position(entry);
    return inLane === undefined ? undefined : this.#priority.size + inLane;
  }

  /** Every waiting job id in the order it would be dispatched. */
  *ordered(): Generator<string> {
    for (const entry of this.#priority.ordered()) yield entry.id;
    for (const entry of this.#normal.ordered()) yield entry.id;
  }

  #serve(entry: LineEntry): void {
    this.#inFlight.set(entry.id, entry);
    this.#members.served(memberKey(entry.guildId, entry.userId));
    this.#guilds.served(entry.guildId);
  }

  #lane(entry: LineEntry): FairLane {
    return entry.priority ? this.#priority : this.#normal;
  }
}

/** Only what the line needs, so it never holds on to a whole job. */
function entryOf(job: LineEntry): LineEntry {
  return { id: job.id, userId: job.userId, guildId: job.guildId, priority: job.priority, seq: job.seq };
}
