import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { uploadSubfolder } from "../../src/dispatch/comfy-dispatcher.js";
import type { ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { startComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { eventually } from "../support/eventually.js";
import { request, silent } from "../queue/support/harness.js";
import { shippedTemplate } from "../workflows/shipped-templates.js";
import { startStack, type ComfyStack } from "./support/comfy-stack.js";

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function sims(count: number, stepMs: number): Promise<ComfySimulator[]> {
  const started = await Promise.all(
    Array.from({ length: count }, async () =>
      startComfySimulator({ stepMs, logger: silent, previewMethod: "none" }),
    ),
  );
  cleanup.push(async () => {
    await Promise.all(started.map(async (sim) => sim.close()));
  });
  return started;
}

async function stack(simulators: ComfySimulator[]): Promise<ComfyStack> {
  const started = await startStack(simulators, {
    templates: [await shippedTemplate("sd15-img2img")],
    timeouts: { startMs: 5_000, nodeInactivityMs: 2_000, overallMs: 20_000 },
  });
  cleanup.push(async () => started.stop());
  await eventually(() => started.queue.stats().state === "open", "the queue to open");
  return started;
}

async function jpeg(): Promise<Buffer> {
  return sharp({ create: { width: 96, height: 72, channels: 3, background: { r: 10, g: 200, b: 90 } } })
    .jpeg()
    .toBuffer();
}

/** The graph a host ran for a prompt, from its `/history` (ComfyUI keeps the prompt there). */
async function ranGraph(
  sim: ComfySimulator,
  promptId: string,
): Promise<Record<string, { inputs: Record<string, unknown> }>> {
  const history = (await (await fetch(`${sim.url}/history/${promptId}`)).json()) as Record<
    string,
    { prompt: [number, string, Record<string, { inputs: Record<string, unknown> }>] }
  >;
  return history[promptId]!.prompt[2];
}

function img2img(ref: string, steps: number) {
  const values = { prompt: "a fox", steps, seed: 5, denoise: 0.5, image: ref };
  return request("u", { workflow: "sd15-img2img", request: values, params: values });
}

describe("a job's input picture at dispatch", () => {
  it("is uploaded to the host that runs the job, unchanged, and LoadImage gets the name ComfyUI returned", async () => {
    const [sim] = await sims(1, 1);
    const { queue, storage } = await stack([sim!]);
    const picture = await jpeg();
    const ref = await storage.inputs.keep("u", { bytes: picture, contentType: "image/jpeg" });
    const decision = await queue.admit(img2img(ref, 2));
    if (decision.kind !== "accepted") throw new Error(`expected accepted, got ${decision.kind}`);
    await queue.onIdle();
    const job = queue.get(decision.job.id);
    expect(job?.state).toBe("succeeded");
    if (job?.state !== "succeeded") return;
    const value = (await ranGraph(sim!, job.run.promptId))["10"]!.inputs["image"] as string;
    expect(value).toMatch(new RegExp(`^${uploadSubfolder}/[0-9a-f]{32}\\.jpg$`));
    const [subfolder, name] = value.split("/");
    expect(sim!.viewBytes(name!, subfolder, "input")?.equals(picture)).toBe(true);
  });

  it("is uploaded again to the other host when the job moves there after its host died", async () => {
    const [a, b] = await sims(2, 60);
    const { queue, storage } = await stack([a!, b!]);
    const picture = await jpeg();
    const ref = await storage.inputs.keep("u", { bytes: picture, contentType: "image/jpeg" });
    const decision = await queue.admit(img2img(ref, 20));
    if (decision.kind !== "accepted") throw new Error(`expected accepted, got ${decision.kind}`);
    await eventually(() => queue.get(decision.job.id)?.state === "running", "the job to run");
    const first = queue.get(decision.job.id);
    const victim = first?.state === "running" && first.run.backend === "gpu-1" ? a! : b!;
    const survivor = victim === a ? b! : a!;
    await victim.crash();
    await queue.onIdle();
    const job = queue.get(decision.job.id);
    expect(job).toMatchObject({ state: "succeeded", attempts: 2 });
    if (job?.state !== "succeeded") return;
    const value = (await ranGraph(survivor, job.run.promptId))["10"]!.inputs["image"] as string;
    const [subfolder, name] = value.split("/");
    expect(survivor.viewBytes(name!, subfolder, "input")?.equals(picture)).toBe(true);
    await victim.restart();
  });

  it("fails the job as input_missing when its picture is no longer kept", async () => {
    const [sim] = await sims(1, 1);
    const { queue, storage } = await stack([sim!]);
    const ref = await storage.inputs.keep("u", { bytes: await jpeg(), contentType: "image/jpeg" });
    await storage.inputs.forgetOwner("u");
    const decision = await queue.admit(img2img(ref, 2));
    if (decision.kind !== "accepted") throw new Error(`expected accepted, got ${decision.kind}`);
    await queue.onIdle();
    expect(queue.get(decision.job.id)).toMatchObject({ state: "failed", error: { code: "input_missing" } });
    expect(sim!.stats.executions).toHaveLength(0);
  });
});
