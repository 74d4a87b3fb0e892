import { describe, expect, it } from "vitest";
import type { JobStore } from "../../src/queue/job-store.js";
import type { StoredJobRow } from "../../src/storage/memory/memory-job-store.js";
import {
  cancelledJob,
  failedJob,
  jobsOfEveryState,
  queuedJob,
  runningJob,
  stagedJob,
  deliveredJob,
} from "../support/stored-records.js";

/**
 * Opens an empty store of the implementation under test; `planted` rows are in it first, as
 * another writer (a crash, a hand edit, an older version) left them.
 */
export type OpenJobStore = (planted?: readonly StoredJobRow[]) => Promise<JobStore>;

/** What every `JobStore` must do; run by `job-store.test.ts` for each implementation. */
export function describeJobStoreContract(name: string, open: OpenJobStore): void {
  describe(`JobStore contract: ${name}`, () => {
    it("round-trips a job of every state unchanged", async () => {
      const store = await open();
      const jobs = jobsOfEveryState();
      for (const job of jobs) await store.save(job);
      for (const job of jobs) expect(await store.get(job.id)).toEqual(job);
      expect(await store.get("unknown")).toBeUndefined();
    });

    it("loads unfinished jobs in seq order, whatever order they were stored in, and leaves finished ones out", async () => {
      const store = await open();
      await store.insert(queuedJob({ id: "third", seq: 30 }));
      await store.insert(queuedJob({ id: "first", seq: 10 }));
      await store.save(deliveredJob({ id: "done", seq: 15 }));
      await store.save(stagedJob({ id: "second", seq: 20 }));
      await store.save(runningJob({ id: "fourth", seq: 40 }));
      const loaded = await store.loadOpen();
      expect(loaded.jobs.map((job) => job.id)).toEqual(["first", "second", "third", "fourth"]);
      expect(loaded.setAside).toEqual([]);
    });

    it("keeps one record per job: a saved state replaces the previous, and a finished job leaves the unfinished ones", async () => {
      const store = await open();
      await store.insert(queuedJob({ id: "j", seq: 1 }));
      await store.save(stagedJob({ id: "j", seq: 1 }));
      await store.save(runningJob({ id: "j", seq: 1 }));
      expect((await store.loadOpen()).jobs).toEqual([runningJob({ id: "j", seq: 1 })]);
      const finished = deliveredJob({ id: "j", seq: 1 });
      await store.save(finished);
      expect((await store.loadOpen()).jobs).toEqual([]);
      expect(await store.get("j")).toEqual(finished);
    });

    it("refuses to insert a job id twice and keeps the first", async () => {
      const store = await open();
      await store.insert(queuedJob({ id: "j", seq: 1, userId: "first" }));
      await expect(store.insert(queuedJob({ id: "j", seq: 2, userId: "second" }))).rejects.toThrow();
      expect((await store.get("j"))?.userId).toBe("first");
    });

    it("refuses a job that does not match the job schema, storing nothing", async () => {
      const store = await open();
      const broken = { ...queuedJob({ id: "j" }), seq: Number.NaN };
      await expect(store.insert(broken)).rejects.toThrow();
      expect(await store.get("j")).toBeUndefined();
    });

    it("stores copies: changing a job after saving or reading it changes nothing stored", async () => {
      const store = await open();
      const job = queuedJob({ id: "j", seq: 1 });
      await store.insert(job);
      job.messages.push({ channelId: "x", messageId: "y" });
      job.params.prompt = "changed";
      const read = await store.get("j");
      if (read) read.params.prompt = "changed too";
      expect(await store.get("j")).toEqual(queuedJob({ id: "j", seq: 1 }));
    });

    it("reports the largest seq, finished jobs included, and 0 when empty", async () => {
      const store = await open();
      expect(await store.maxSeq()).toBe(0);
      await store.insert(queuedJob({ id: "a", seq: 7 }));
      await store.save(cancelledJob({ id: "b", seq: 12 }));
      await store.insert(queuedJob({ id: "c", seq: 9 }));
      expect(await store.maxSeq()).toBe(12);
    });

    it("forgets every job of one member, finished or not, and nothing of another's", async () => {
      const store = await open();
      for (const job of jobsOfEveryState("alice")) await store.save({ ...job, id: `alice-${job.id}` });
      for (const job of jobsOfEveryState("bob")) await store.save({ ...job, id: `bob-${job.id}` });
      expect(await store.forgetUser("alice")).toBe(jobsOfEveryState().length);
      expect(await store.forgetUser("alice")).toBe(0);
      expect(await store.get("alice-queued")).toBeUndefined();
      expect(await store.get("alice-succeeded")).toBeUndefined();
      expect((await store.get("bob-succeeded"))?.userId).toBe("bob");
      // Succeeded but not posted yet is still open.
      expect((await store.loadOpen()).jobs.map((job) => job.id)).toEqual([
        "bob-queued",
        "bob-staged",
        "bob-running",
        "bob-succeeded",
      ]);
    });

    it("prunes jobs finished before the cutoff, keeps those finished at it or later, and never an unfinished one", async () => {
      const store = await open();
      const cutoff = 1_700_000_000_000;
      await store.save(deliveredJob({ id: "before", seq: 1, finishedAt: cutoff - 1 }));
      await store.save(failedJob({ id: "long-before", seq: 2, finishedAt: cutoff - 86_400_000 }));
      await store.save(cancelledJob({ id: "at", seq: 3, finishedAt: cutoff }));
      await store.save(deliveredJob({ id: "after", seq: 4, finishedAt: cutoff + 1 }));
      await store.insert(queuedJob({ id: "waiting", seq: 5, at: cutoff - 90 * 86_400_000 }));
      await store.save(runningJob({ id: "running", seq: 6, at: cutoff - 90 * 86_400_000 }));
      expect(await store.pruneFinished(cutoff)).toBe(2);
      expect(await store.get("before")).toBeUndefined();
      expect(await store.get("long-before")).toBeUndefined();
      for (const id of ["at", "after", "waiting", "running"]) expect((await store.get(id))?.id).toBe(id);
      expect(await store.pruneFinished(cutoff)).toBe(0);
    });

    it("prunes in batches, pausing between them, and stops between batches when aborted", async () => {
      const store = await open();
      for (let seq = 1; seq <= 25; seq++)
        await store.save(deliveredJob({ id: `old-${seq}`, seq, finishedAt: 1000 + seq }));
      const pauses: number[] = [];
      const all = await store.pruneFinished(2000, {
        batchRows: 10,
        pause: async (ms) => {
          pauses.push(ms);
          return Promise.resolve();
        },
      });
      expect(all).toBe(25);
      // A batching store pauses between its batches of 10 (not after the last one).
      expect([0, 2]).toContain(pauses.length);
      expect(await store.maxSeq()).toBe(0);

      for (let seq = 1; seq <= 25; seq++)
        await store.save(deliveredJob({ id: `again-${seq}`, seq, finishedAt: 1000 + seq }));
      const controller = new AbortController();
      const some = await store.pruneFinished(2000, {
        batchRows: 10,
        pause: async () => {
          controller.abort();
          return Promise.resolve();
        },
        signal: controller.signal,
      });
      // A store may prune in one go when it has no batches to pause between (memory); one that
      // batches stops after the first.
      expect([10, 25]).toContain(some);
    });

    it("sets aside a stored job that is not JSON or not a job, reports it once, and loads the rest", async () => {
      const good = queuedJob({ id: "good", seq: 2 });
      const store = await open([
        { id: "garbage", seq: 1, userId: "u1", text: "{not json" },
        { id: "good", seq: 2, userId: "u1", text: JSON.stringify(good) },
        { id: "not-a-job", seq: 3, userId: "u1", text: JSON.stringify({ id: "not-a-job", state: "queued" }) },
        { id: "renamed", seq: 4, userId: "u1", text: JSON.stringify(queuedJob({ id: "other", seq: 4 })) },
      ]);
      const first = await store.loadOpen();
      expect(first.jobs).toEqual([good]);
      expect(first.setAside.map((record) => record.id)).toEqual(["garbage", "not-a-job", "renamed"]);
      expect(first.setAside[0]?.reason).toMatch(/not JSON/);
      expect(first.setAside[1]?.reason).toMatch(/schema/);
      const second = await store.loadOpen();
      expect(second).toEqual({ jobs: [good], setAside: [] });
      expect(await store.get("garbage")).toBeUndefined();
    });

    it("reads an unreadable finished job as absent", async () => {
      const store = await open([{ id: "old", seq: 1, userId: "u1", finishedAt: 5, text: "[]" }]);
      expect(await store.get("old")).toBeUndefined();
      expect(await store.maxSeq()).toBe(1);
    });
  });
}
