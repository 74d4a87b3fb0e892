import { describe, expect, it } from "vitest";
import { EventReader } from "../../src/scale/event-reader.js";
import type { ScaleEntry } from "../../src/scale/stream-entry.js";
import type { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { eventually } from "../support/eventually.js";
import { queuedJob } from "../support/stored-records.js";
import { RedisStorages } from "../storage/support/redis-storages.js";
import { silent } from "../storage/support/temp-storage.js";

const redis = RedisStorages.forFile();

const roomy = {
  maxQueuedPerUser: 100,
  jobsPerWindow: 100,
  windowSeconds: 60,
  maxSize: 1000,
  maxPerGuild: 1000,
};

/** A reader on `storage` from `from`, recording what it hands on and how often it reloads. */
function follow(storage: RedisStorage, from: { after: string; n: number }) {
  const entries: ScaleEntry[] = [];
  let reloads = 0;
  const reader = new EventReader({
    events: storage.events,
    redis: storage.connection,
    logger: silent,
    blockMs: 100,
    onEntry: (entry) => {
      entries.push(entry);
    },
    onGap: async () => {
      reloads++;
      return storage.events.snapshot();
    },
  });
  return { reader, entries, reloads: () => reloads, start: async () => reader.start(from) };
}

describe("a process following the job event stream", () => {
  it("hands on every entry after its starting point, in order, with the stored job", async () => {
    const keyPrefix = RedisStorages.freshPrefix();
    const writer = await redis.open({ keyPrefix });
    const reading = await redis.open({ keyPrefix });
    await writer.admission.admit(queuedJob({ id: "before", seq: 1 }), roomy);
    const following = follow(reading, await reading.events.snapshot());
    await following.start();
    await writer.admission.admit(queuedJob({ id: "a", seq: 2 }), roomy);
    await writer.events.publish({ k: "released" });
    await writer.admission.admit(queuedJob({ id: "b", seq: 3 }), roomy);
    await eventually(() => following.entries.length === 3, "three entries");
    expect(following.entries.map((entry) => [entry.n, entry.kind])).toEqual([
      [2, "job"],
      [3, "released"],
      [4, "job"],
    ]);
    const last = following.entries[2];
    expect(last?.kind === "job" ? [last.job.id, last.rev, last.announcement] : []).toEqual([
      "b",
      1,
      { type: "queued" },
    ]);
    expect(following.reloads()).toBe(0);
    await following.reader.stop();
  });

  it("reloads from stored state when entries it had not read were trimmed, then reads on from there", async () => {
    const keyPrefix = RedisStorages.freshPrefix();
    const writer = await redis.open({ keyPrefix });
    const reading = await redis.open({ keyPrefix });
    const from = await reading.events.snapshot();
    for (let seq = 1; seq <= 3; seq++) await writer.admission.admit(queuedJob({ id: `j${seq}`, seq }), roomy);
    // The reader fell behind (stopped, cut off) and the stream was trimmed past its place.
    await writer.connection.client.xTrim(writer.connection.keys.events, "MAXLEN", 1);
    const following = follow(reading, from);
    await following.start();
    await eventually(() => following.reloads() === 1, "a reload");
    await writer.admission.admit(queuedJob({ id: "after", seq: 4 }), roomy);
    await eventually(() => following.entries.length === 1, "the entry after the reload");
    // Nothing of the trimmed part is handed on as an entry: the reload's snapshot stands for it.
    expect(following.entries.map((entry) => [entry.n, entry.kind === "job" ? entry.job.id : ""])).toEqual([
      [4, "after"],
    ]);
    expect(following.reloads()).toBe(1);
    await following.reader.stop();
  });
});
