import { describe, expect, it } from "vitest";
import type { QueueEvent } from "../../src/queue/queue-events.js";
import { GuildShards } from "../../src/scale/guild-shards.js";
import { ScaleNode } from "../../src/scale/scale-node.js";
import type { LeaseTiming } from "../../src/scale/conductor-lease.js";
import type { RedisStorage } from "../../src/storage/redis/redis-storage.js";
import { eventually } from "../support/eventually.js";
import { FakeDispatcher } from "../queue/support/fake-dispatcher.js";
import { request } from "../queue/support/harness.js";
import { RedisStorages } from "../storage/support/redis-storages.js";
import { silent } from "../storage/support/temp-storage.js";

const redis = RedisStorages.forFile();

const timing: LeaseTiming = { ttlMs: 600, renewEveryMs: 150, retryMs: 50, safetyMs: 150 };

interface Process {
  name: string;
  storage: RedisStorage;
  node: ScaleNode;
  /** The process's own connections to the (shared, pretend) ComfyUI host. */
  dispatcher: FakeDispatcher;
  events: QueueEvent[];
}

/** A bot process on the shared Redis: its node, its view of the host, what its subscribers hear. */
async function startProcess(name: string, keyPrefix: string): Promise<Process> {
  const storage = await redis.open({ keyPrefix });
  const dispatcher = new FakeDispatcher([{ id: "gpu-1", slots: 1 }]);
  const node = new ScaleNode({
    storage,
    dispatcher,
    inFlight: () => ({ "gpu-1": dispatcher.active.length }),
    limits: { maxSize: 100, maxRequeues: 2, shutdownGraceSeconds: 0 },
    shards: new GuildShards(),
    logger: silent,
    timing,
    holder: name,
  });
  const events: QueueEvent[] = [];
  node.queue.subscribe((event) => {
    events.push(event);
  });
  await node.start();
  return { name, storage, node, dispatcher, events };
}

/** bot-a, conducting, and bot-b beside it on a fresh key prefix of the shared Redis. */
async function conductorAndAnother(): Promise<{ a: Process; b: Process }> {
  const prefix = RedisStorages.freshPrefix();
  const a = await startProcess("bot-a", prefix);
  await eventually(() => a.node.conductor.conducting, "bot-a to conduct");
  const b = await startProcess("bot-b", prefix);
  return { a, b };
}

function told(process: Process, jobId: string): string[] {
  return process.events.filter((event) => event.job.id === jobId).map((event) => event.type);
}

describe("bot processes sharing Redis", () => {
  it("run every job on the conductor, while any process admits and hears its jobs' progress", async () => {
    const { a, b } = await conductorAndAnother();

    const decision = await b.node.queue.admit(request("alice"));
    if (decision.kind !== "accepted") throw new Error(`expected acceptance, got ${decision.kind}`);
    const jobId = decision.job.id;
    await eventually(() => a.dispatcher.active.length === 1, "the conductor to dispatch the job");
    expect(b.dispatcher.runs).toEqual([]);
    a.dispatcher.runOf(jobId).ctx.onEvent({ type: "started" });
    a.dispatcher.runOf(jobId).ctx.onEvent({ type: "progress", value: 2, max: 4 });
    expect(b.node.conductor.conducting).toBe(false);
    expect(await b.node.leaseHealth()).toEqual({
      self: "bot-b",
      conducting: false,
      holder: "bot-a",
      fence: a.node.conductor.fence,
    });
    await eventually(() => b.node.queue.get(jobId)?.state === "running", "bot-b to see it running");

    a.dispatcher.complete(jobId);
    await eventually(() => told(b, jobId).includes("succeeded"), "bot-b to hear of the result");
    const succeeded = b.events.find((event) => event.type === "succeeded" && event.job.id === jobId);
    expect(succeeded?.type === "succeeded" ? succeeded.files.map((file) => file.filename) : []).toEqual([
      "out.png",
    ]);
    expect(told(b, jobId)).toEqual(["queued", "staged", "started", "progress", "succeeded"]);

    // The process that posts the result closes the job; the conductor hears it from the stream.
    await b.node.queue.delivered(jobId, [{ channelId: "c1", messageId: "m1" }]);
    await eventually(() => a.node.queue.get(jobId)?.state === "delivered", "bot-a to see it delivered");
    await b.node.close();
    await a.node.close();
  });

  it("keep a running prompt when the conductor dies: the next one reattaches it, and it runs once", async () => {
    const { a, b } = await conductorAndAnother();
    // The prompt is still in ComfyUI when bot-b asks after it.
    b.dispatcher.attachAnswer = () => ({ kind: "pending" });

    const running = await b.node.queue.admit(request("alice"));
    const waiting = await b.node.queue.admit(request("bob"));
    if (running.kind !== "accepted" || waiting.kind !== "accepted") throw new Error("expected acceptance");
    await eventually(() => a.dispatcher.active.length === 1, "the conductor to dispatch the first job");
    a.dispatcher.runOf(running.job.id).ctx.onEvent({ type: "started" });
    await eventually(() => b.node.queue.get(running.job.id)?.state === "running", "bot-b to see it run");

    // bot-a loses Redis for good (a crash, as far as the others can tell).
    await redis.close(a.storage);
    await eventually(() => b.node.conductor.conducting, "bot-b to take over", { timeoutMs: 5000 });
    await eventually(() => b.dispatcher.active.length === 1, "bot-b to reattach the running prompt");
    expect(b.dispatcher.runs.map((run) => [run.job.id, run.mode])).toEqual([[running.job.id, "attach"]]);
    expect(b.node.conductor.fence).toBeGreaterThan(0);

    b.dispatcher.complete(running.job.id);
    await eventually(
      () => b.dispatcher.active.length === 1 && b.dispatcher.runs.length === 2,
      "the next job",
    );
    expect(b.dispatcher.runs.map((run) => [run.job.id, run.mode])).toEqual([
      [running.job.id, "attach"],
      [waiting.job.id, "run"],
    ]);
    b.dispatcher.complete(waiting.job.id);
    await eventually(() => told(b, waiting.job.id).includes("succeeded"), "the second result");
    expect(told(b, running.job.id).filter((type) => type === "succeeded")).toHaveLength(1);
    // bot-a ran the first prompt only: it never dispatched after losing its lease.
    expect(a.dispatcher.runs.map((run) => run.job.id)).toEqual([running.job.id]);
    await b.node.close();
  });

  it("stop a running prompt on the conductor when a member cancels through another process", async () => {
    const { a, b } = await conductorAndAnother();
    const admitted = await b.node.queue.admit(request("alice"));
    if (admitted.kind !== "accepted") throw new Error("expected acceptance");
    const jobId = admitted.job.id;
    await eventually(() => a.dispatcher.active.length === 1, "the conductor to dispatch");
    a.dispatcher.runOf(jobId).ctx.onEvent({ type: "started" });
    await eventually(() => b.node.queue.get(jobId)?.state === "running", "bot-b to see it run");

    const decision = await b.node.queue.cancel(jobId, { userId: "alice" });
    expect(decision.kind).toBe("cancelled");
    const promptId = a.dispatcher.runs[0]!.job.run.promptId;
    await eventually(
      () => a.dispatcher.cancels.some((cancel) => cancel.promptId === promptId),
      "the prompt stopped",
    );
    await eventually(() => told(b, jobId).includes("cancelled"), "bot-b to hear of the cancel");
    await eventually(() => a.node.queue.get(jobId)?.state === "cancelled", "bot-a to see it cancelled");
    // The conductor stopped the prompt once, and ran nothing else.
    expect(a.dispatcher.cancels.filter((cancel) => cancel.promptId === promptId)).toHaveLength(1);
    expect(a.dispatcher.runs).toHaveLength(1);
    await b.node.close();
    await a.node.close();
  });

  it("hand the lease over at once on a graceful shutdown", async () => {
    const { a, b } = await conductorAndAnother();
    b.dispatcher.attachAnswer = () => ({ kind: "pending" });
    const job = await b.node.queue.admit(request("alice"));
    if (job.kind !== "accepted") throw new Error("expected acceptance");
    await eventually(() => a.dispatcher.active.length === 1, "the conductor to dispatch");

    await a.node.close();
    expect(await b.storage.lease("conductor").current()).not.toMatchObject({ holder: "bot-a" });
    await eventually(() => b.node.conductor.conducting, "bot-b to take over");
    await eventually(() => b.dispatcher.active.length === 1, "bot-b to reattach the prompt");
    expect(b.dispatcher.runs.map((run) => run.mode)).toEqual(["attach"]);
    b.dispatcher.complete(job.job.id);
    await eventually(() => b.node.queue.get(job.job.id)?.state === "succeeded", "the result");
    await b.node.close();
  });

  it("keep a job the conductor stages while another process links its message: its run still ends it", async () => {
    // Bot-b links each job to its message right after admitting it, as the Discord layer does,
    // while the conductor stages the same job: one of the two writes is decided again. The
    // conductor must not then take in the stream's older copy over its staged job (it would drop
    // the run's reports, and the job would stay staged for good).
    const { a, b } = await conductorAndAnother();
    // The conductor's writes reach Redis late (a busy machine): bot-b's link lands first, and the
    // stream tells the conductor of it while its own staging is still on the way.
    const events = a.storage.events;
    const commit = events.commit.bind(events);
    events.commit = async (request) => {
      if (request.fence) await new Promise((resolve) => setTimeout(resolve, 40));
      return commit(request);
    };
    for (let n = 0; n < 30; n++) {
      const admitted = await b.node.queue.admit(request(`member-${n}`));
      if (admitted.kind !== "accepted") throw new Error("expected acceptance");
      const jobId = admitted.job.id;
      expect(await b.node.queue.setMessages(jobId, [{ channelId: "c1", messageId: `m${n}` }])).toBe(true);
      await eventually(() => a.dispatcher.active.some((run) => run.job.id === jobId), `job ${n} dispatched`);
      a.dispatcher.runOf(jobId).ctx.onEvent({ type: "started" });
      a.dispatcher.complete(jobId);
      await eventually(
        async () => (await b.storage.jobs.get(jobId))?.state === "succeeded",
        `job ${n} to succeed`,
        {
          timeoutMs: 3000,
        },
      );
      expect((await b.storage.jobs.get(jobId))?.messages).toEqual([{ channelId: "c1", messageId: `m${n}` }]);
    }
    await b.node.close();
    await a.node.close();
  });
});
