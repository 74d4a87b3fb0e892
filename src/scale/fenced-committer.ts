import type { CommitOutcome, JobChange, JobCommitter } from "../queue/job-commit.js";
import type { RedisJobEvents } from "../storage/redis/redis-job-events.js";
import { announcementText } from "./stream-entry.js";

/** The lease went to someone newer: this conductor may not write any more. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

/**
 * The conductor's commits: compare-and-set on the revision it last saw of the job, refused inside
 * Redis once the lease was granted to someone newer than this term's fence, and appended to the
 * job event stream with the transition's announcement in the same step. It remembers each job's
 * revision from the snapshot it started from, its own writes, and the stream.
 */
export class FencedCommitter implements JobCommitter {
  readonly #events: RedisJobEvents;
  readonly #fence: { leaseName: string; fence: number };
  readonly #onFenced: () => void;
  readonly #revs = new Map<string, number>();

  constructor(options: {
    events: RedisJobEvents;
    leaseName: string;
    fence: number;
    /** Called once the store says the lease is someone else's. */
    onFenced: () => void;
  }) {
    this.#events = options.events;
    this.#fence = { leaseName: options.leaseName, fence: options.fence };
    this.#onFenced = options.onFenced;
  }

  /** The newest revision seen of a job; false when `rev` is not newer than what is known. */
  know(jobId: string, rev: number): boolean {
    if ((this.#revs.get(jobId) ?? -1) >= rev) return false;
    this.#revs.set(jobId, rev);
    return true;
  }

  forget(jobId: string): void {
    this.#revs.delete(jobId);
  }

  async commit(change: JobChange): Promise<CommitOutcome> {
    const announced = change.effects.find((effect) => effect.type === "announce");
    const reply = await this.#events.commit({
      job: change.next,
      // Unknown: -1 never matches, so the store answers with the job and its revision.
      expectRev: this.#revs.get(change.next.id) ?? -1,
      fence: this.#fence,
      announcement: announcementText(announced?.event),
    });
    switch (reply.kind) {
      case "stored":
        this.#revs.set(change.next.id, reply.rev);
        return { kind: "stored" };
      case "fenced":
        this.#onFenced();
        throw new LeaseLostError(
          `the conductor lease's fence is ${reply.latestFence} now, not ${this.#fence.fence}: another process conducts`,
        );
      case "changed":
        if (reply.current) this.#revs.set(change.next.id, reply.current.rev);
        else this.#revs.delete(change.next.id);
        return { kind: "changed", current: reply.current?.job };
    }
  }
}
