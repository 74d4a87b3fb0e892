/** What the line needs of a waiting job: jobs themselves change, their place does not. */
export interface LineEntry {
  readonly id: string;
  readonly userId: string;
  readonly priority: boolean;
}

/**
 * One FIFO per user, users served round-robin: the next job is the head of the first user in
 * the ring; serving a user moves them to the back. A user with ten jobs waits one turn per job,
 * so a user with one job is never stuck behind them.
 *
 * The ring is a Map in service order (delete + set moves a user to the back).
 */
export class FairLane {
  readonly #ring = new Map<string, LineEntry[]>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get users(): number {
    return this.#ring.size;
  }

  lengthOf(userId: string): number {
    return this.#ring.get(userId)?.length ?? 0;
  }

  /** Appends to the user's FIFO; a user new to the ring gets the last turn of the round. */
  push(job: LineEntry): void {
    const fifo = this.#ring.get(job.userId);
    if (fifo) fifo.push(job);
    else this.#ring.set(job.userId, [job]);
    this.#size++;
  }

  /** Puts a job back at the head of its user's FIFO; an absent user is served first. */
  unshift(job: LineEntry): void {
    const fifo = this.#ring.get(job.userId);
    this.#size++;
    if (fifo) {
      fifo.unshift(job);
      return;
    }
    const rest = [...this.#ring];
    this.#ring.clear();
    this.#ring.set(job.userId, [job]);
    for (const [userId, jobs] of rest) this.#ring.set(userId, jobs);
  }

  /** Removes a waiting job (cancel) without costing its user a turn. */
  remove(job: LineEntry): boolean {
    const fifo = this.#ring.get(job.userId);
    const index = fifo ? fifo.findIndex((entry) => entry.id === job.id) : -1;
    if (!fifo || index < 0) return false;
    fifo.splice(index, 1);
    this.#size--;
    if (fifo.length === 0) this.#ring.delete(job.userId);
    return true;
  }

  /** Removes a job that is being dispatched: its user's turn is used, they go to the back. */
  take(job: LineEntry): boolean {
    const fifo = this.#ring.get(job.userId);
    const index = fifo ? fifo.findIndex((entry) => entry.id === job.id) : -1;
    if (!fifo || index < 0) return false;
    fifo.splice(index, 1);
    this.#size--;
    this.#ring.delete(job.userId);
    if (fifo.length > 0) this.#ring.set(job.userId, fifo);
    return true;
  }

  /** Each user's next job, in service order. Do not mutate the lane while iterating. */
  *heads(): Generator<LineEntry> {
    for (const fifo of this.#ring.values()) {
      const head = fifo[0];
      if (head) yield head;
    }
  }

  /**
   * How many jobs of this lane go before `job`: every user contributes min(their length, the
   * job's depth), plus one for each user ahead in the ring who still has a job at that depth.
   * One pass over the users, no walk over the jobs.
   */
  position(job: LineEntry): number | undefined {
    const depth = this.#ring.get(job.userId)?.findIndex((entry) => entry.id === job.id) ?? -1;
    if (depth < 0) return undefined;
    let ahead = 0;
    let beforeInRing = true;
    for (const [userId, fifo] of this.#ring) {
      if (userId === job.userId) {
        beforeInRing = false;
        ahead += depth;
        continue;
      }
      const length = fifo.length;
      ahead += length < depth ? length : depth;
      if (beforeInRing && length > depth) ahead++;
    }
    return ahead;
  }

  /** Every waiting job in the order it would be dispatched. */
  *ordered(): Generator<LineEntry> {
    let active = [...this.#ring.values()];
    for (let depth = 0; active.length > 0; depth++) {
      const next: LineEntry[][] = [];
      for (const fifo of active) {
        const job = fifo[depth];
        if (!job) continue;
        yield job;
        if (fifo.length > depth + 1) next.push(fifo);
      }
      active = next;
    }
  }

  /** The user's waiting jobs, oldest first. */
  jobsOf(userId: string): readonly LineEntry[] {
    return this.#ring.get(userId) ?? [];
  }
}
