/**
 * One admission as the storage sees it, for the admission figures (`admit_us_p99`,
 * `admit_us_p99_during_prune`) while `JobQueue` is being rewritten: exactly the store work the
 * queue does when it accepts a job, the job inserted and the member's rate-limit record saved,
 * awaited together. Swap in `queue.admit(...)` here once the new queue lands.
 */
import type { QueuedJob } from "../src/queue/job.js";
import type { Storage } from "../src/storage/storage.js";

const windowMs = 60_000;

/** A job as admission builds it: parameters checked, seed chosen, nothing run yet. */
export function admittedJob(n: number, seq: number, now: number): QueuedJob {
  const prompt = `a harbour at dawn, fishing boats, oil painting, number ${n}`;
  return {
    id: `admit-${n}-${now}`,
    seq,
    userId: `member-${n % 500}`,
    guildId: "1100000000000000001",
    channelId: "1100000000000000002",
    messages: [],
    workflow: "sdxl",
    request: { prompt, negative: "blurry" },
    params: {
      prompt,
      negative: "lowres, blurry",
      seed: n * 7919,
      steps: 30,
      cfg: 7,
      width: 1024,
      height: 1024,
      count: 1,
    },
    priority: false,
    attempts: 0,
    requeues: 0,
    createdAt: now,
    queuedAt: now,
    state: "queued",
  };
}

/** Stores one admission; resolves with how long it took, in microseconds. */
export async function admit(storage: Storage, n: number, seq: number): Promise<number> {
  const now = Date.now();
  const job = admittedJob(n, seq, now);
  const started = performance.now();
  await Promise.all([storage.jobs.insert(job), storage.rates.save(job.userId, [now], now + windowMs)]);
  return (performance.now() - started) * 1000;
}

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

export const round = (value: number): number => Math.round(value * 10) / 10;
