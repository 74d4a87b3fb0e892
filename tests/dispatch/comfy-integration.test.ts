import { afterEach, describe, expect, it } from "vitest";
import type { ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { startSimulators, startStack, type ComfyStack } from "./support/comfy-stack.js";
import { eventually } from "../support/eventually.js";
import { generous, request, tempDir } from "../queue/support/harness.js";

const fake = (userId: string, seed: number) =>
  request(userId, {
    workflow: "fake",
    request: { prompt: `cat ${seed}`, seed, steps: 3, width: 64, height: 64 },
    params: { prompt: `cat ${seed}`, seed, steps: 3, width: 64, height: 64 },
  });

describe("JobQueue with the real ComfyUI client against the simulator", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function sims(count: number, stepMs: number): Promise<ComfySimulator[]> {
    const started = await startSimulators(count, stepMs);
    cleanup.push(async () => {
      await Promise.all(started.map(async (sim) => sim.close()));
    });
    return started;
  }

  async function stack(...args: Parameters<typeof startStack>): Promise<ComfyStack> {
    const started = await startStack(...args);
    let stopped = false;
    cleanup.push(async () => {
      if (!stopped) await started.stop();
    });
    return { ...started, stop: async (graceMs) => ((stopped = true), started.stop(graceMs)) };
  }

  it("runs jobs of three users on two backends, each prompt once, delivering the bytes ComfyUI saved", async () => {
    const [a, b] = await sims(2, 5);
    const dir = await tempDir();
    cleanup.push(dir.remove);
    const { queue, events } = await stack([a!, b!], { dataDir: dir.dir });
    await eventually(() => queue.stats().state === "open", "the queue to open");
    const decisions = [];
    for (const [i, user] of ["A", "A", "A", "B", "B", "C"].entries())
      decisions.push(await queue.admit(fake(user, i + 1)));
    expect(decisions.every((decision) => decision.kind === "accepted")).toBe(true);
    await queue.onIdle();

    const succeeded = events.filter((event) => event.type === "succeeded");
    expect(succeeded).toHaveLength(6);
    const executions = [...a!.stats.executions, ...b!.stats.executions];
    expect(executions).toHaveLength(6);
    expect(new Set(executions.map((record) => record.promptId)).size).toBe(6);
    expect(a!.stats.executions.length).toBeGreaterThan(0);
    expect(b!.stats.executions.length).toBeGreaterThan(0);
    for (const event of succeeded) {
      if (event.type !== "succeeded") continue;
      const file = event.files[0]!;
      const sim = event.job.run.backend === "gpu-1" ? a! : b!;
      expect(Buffer.from(file.data).equals(sim.viewBytes(file.filename, file.subfolder, file.type)!)).toBe(
        true,
      );
      expect(event.job.run.promptId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(events.some((event) => event.type === "progress")).toBe(true);
    expect(events.some((event) => event.type === "started")).toBe(true);
  });

  it("requeues a job lost when ComfyUI restarts mid-run, and it succeeds on the second attempt", async () => {
    const [sim] = await sims(1, 40);
    const { queue, events } = await stack([sim!]);
    const decision = await queue.admit(fake("u", 7));
    if (decision.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => queue.get(decision.job.id)?.state === "running", "running");
    await sim!.crash();
    await sim!.restart();
    await eventually(() => events.some((event) => event.type === "requeued"), "requeued", {
      timeoutMs: 10_000,
    });
    await queue.onIdle();
    expect(queue.get(decision.job.id)).toMatchObject({ state: "succeeded", attempts: 2, requeues: 1 });
    expect(sim!.stats.executions.filter((record) => record.outcome === "success")).toHaveLength(1);
  });

  it("requeues both the running and the staged job after a ComfyUI restart, and fails a job lost twice", async () => {
    const [sim] = await sims(1, 40);
    const { queue, events } = await stack([sim!]);
    const first = await queue.admit(fake("a", 11));
    const second = await queue.admit(fake("b", 12));
    if (first.kind !== "accepted" || second.kind !== "accepted") throw new Error("expected accepted");
    await eventually(
      () => queue.get(first.job.id)?.state === "running" && queue.get(second.job.id)?.state === "staged",
      "one running, one staged",
    );
    await sim!.crash();
    await sim!.restart();
    await eventually(
      () => events.filter((event) => event.type === "requeued").length === 2,
      "both requeued",
      { timeoutMs: 10_000 },
    );
    await eventually(
      () => queue.get(first.job.id)?.attempts === 2 && queue.get(first.job.id)?.state === "running",
      "rerun",
    );
    await sim!.crash();
    await sim!.restart();
    await queue.onIdle();
    expect(queue.get(first.job.id)).toMatchObject({
      state: "failed",
      error: { code: "comfy_lost" },
      requeues: 1,
    });
    expect(["succeeded", "failed"]).toContain(queue.get(second.job.id)?.state);
  });

  it("moves a job to the other backend when its ComfyUI dies mid-run and stays down", async () => {
    const [a, b] = await sims(2, 40);
    const { queue, events } = await stack([a!, b!], {
      timeouts: { startMs: 2_000, nodeInactivityMs: 1_000, overallMs: 10_000 },
    });
    const first = await queue.admit(fake("a", 21));
    const second = await queue.admit(fake("b", 22));
    if (first.kind !== "accepted" || second.kind !== "accepted") throw new Error("expected accepted");
    await eventually(
      () => queue.get(first.job.id)?.state === "running" && queue.get(second.job.id)?.state === "running",
      "both running",
    );
    const victimJob = queue.get(first.job.id);
    const victim = victimJob?.state === "running" && victimJob.run.backend === "gpu-1" ? a! : b!;
    const survivor = victim === a ? "gpu-2" : "gpu-1";
    await victim.crash();
    await queue.onIdle();
    expect(queue.get(first.job.id)).toMatchObject({
      state: "succeeded",
      run: { backend: survivor },
      attempts: 2,
    });
    expect(queue.get(second.job.id)?.state).toBe("succeeded");
    expect(events.filter((event) => event.type === "requeued")).toHaveLength(1);
    await victim.restart();
  });

  it("cancels a running prompt on the server with a targeted interrupt", async () => {
    const [sim] = await sims(1, 100);
    const { queue } = await stack([sim!]);
    const decision = await queue.admit(
      request("u", {
        workflow: "fake",
        request: { prompt: "x", seed: 3, steps: 50 },
        params: { prompt: "x", seed: 3, steps: 50 },
      }),
    );
    if (decision.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => queue.get(decision.job.id)?.state === "running", "running");
    expect((await queue.cancel(decision.job.id, { userId: "u" })).kind).toBe("cancelled");
    await queue.onIdle();
    await eventually(() => sim!.stats.executions.length === 1, "execution ended");
    expect(sim!.stats.executions[0]?.outcome).toBe("interrupted");
  });

  it("after a bot restart reattaches to the prompt it left running instead of submitting it again", async () => {
    const [sim] = await sims(1, 60);
    const dir = await tempDir();
    cleanup.push(dir.remove);
    const clientIds = ["queue-test-restart"];
    const first = await stack([sim!], { dataDir: dir.dir, clientIds });
    const decision = await first.queue.admit({ ...fake("u", 9), limits: generous });
    if (decision.kind !== "accepted") throw new Error("expected accepted");
    await eventually(() => first.queue.get(decision.job.id)?.state === "running", "running");
    await first.stop();

    const second = await stack([sim!], { dataDir: dir.dir, clientIds });
    await eventually(
      () => second.events.some((event) => event.type === "succeeded" && event.job.id === decision.job.id),
      "delivered after restart",
      { timeoutMs: 10_000 },
    );
    expect(second.queue.get(decision.job.id)?.state).toBe("succeeded");
    expect(sim!.stats.executions).toHaveLength(1);
    expect(second.queue.get(decision.job.id)?.attempts).toBe(1);
  });
});
