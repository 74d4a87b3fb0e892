import { FairLane, type LineEntry } from "./fair-lane.js";

export type { LineEntry } from "./fair-lane.js";

/**
 * The waiting line: a priority lane (members with a priority grant) served before the normal
 * lane, each lane fair between members. Holds job ids only; it knows nothing of states,
 * backends or storage.
 */
export class FairScheduler {
  readonly #priority = new FairLane();
  readonly #normal = new FairLane();
  readonly #byId = new Map<string, LineEntry>();

  get size(): number {
    return this.#byId.size;
  }

  get users(): number {
    return this.#priority.users + this.#normal.users;
  }

  has(jobId: string): boolean {
    return this.#byId.has(jobId);
  }

  push(job: LineEntry): void {
    const entry = entryOf(job);
    this.#lane(entry).push(entry);
    this.#byId.set(entry.id, entry);
  }

  /** Back to the head of its member's FIFO (a job ComfyUI lost). */
  unshift(job: LineEntry): void {
    const entry = entryOf(job);
    this.#lane(entry).unshift(entry);
    this.#byId.set(entry.id, entry);
  }

  /** Leaves the line without costing its member a turn (cancelled, failed). */
  remove(jobId: string): boolean {
    const entry = this.#byId.get(jobId);
    if (!entry) return false;
    this.#byId.delete(jobId);
    return this.#lane(entry).remove(entry);
  }

  /** Leaves the line to be dispatched: its member's turn is used. */
  take(jobId: string): boolean {
    const entry = this.#byId.get(jobId);
    if (!entry) return false;
    this.#byId.delete(jobId);
    return this.#lane(entry).take(entry);
  }

  /** Candidates for dispatch in service order: each member's head, priority lane first. */
  *heads(): Generator<string> {
    for (const entry of this.#priority.heads()) yield entry.id;
    for (const entry of this.#normal.heads()) yield entry.id;
  }

  /** Jobs dispatched before this one if every backend took jobs in order; undefined if not waiting. */
  position(jobId: string): number | undefined {
    const entry = this.#byId.get(jobId);
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

  #lane(entry: LineEntry): FairLane {
    return entry.priority ? this.#priority : this.#normal;
  }
}

/** Only what the line needs, so it never holds on to a whole job. */
function entryOf(job: LineEntry): LineEntry {
  return { id: job.id, userId: job.userId, priority: job.priority };
}
