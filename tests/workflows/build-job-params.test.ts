import { describe, expect, it } from "vitest";
import { buildJobParams } from "../../src/workflows/build-job-params.js";
import { WorkflowError } from "../../src/workflows/workflow-error.js";
import type { WorkflowTemplate } from "../../src/workflows/workflow-template.js";
import { configDir, loadOk, shippedGraph, stockObjectInfo, tempWorkflow } from "./test-support.js";

const sd15 = (): Promise<WorkflowTemplate> =>
  loadOk({ name: "sd15", file: "workflows/sd15.json" }, configDir);

function buildError(run: () => unknown): WorkflowError {
  try {
    run();
  } catch (error) {
    if (error instanceof WorkflowError) return error;
    throw error;
  }
  throw new Error("expected a WorkflowError");
}

describe("buildJobParams", () => {
  it("fills defaults for everything the request leaves out and reports the values used", async () => {
    const template = await sd15();
    const params = buildJobParams(template, { prompt: "a fox", steps: 12 }, { random: () => 0.5 });
    expect(params).toEqual({
      prompt: "a fox",
      negative: template.defaults.negative,
      seed: Math.floor(0.5 * 2 ** 53),
      steps: 12,
      cfg: template.defaults.cfg,
      width: 512,
      height: 512,
      model: "v1-5-pruned-emaonly.safetensors",
      sampler: template.defaults.sampler,
      scheduler: template.defaults.scheduler,
      denoise: template.defaults.denoise,
      count: 1,
    });
    expect(template.fill(params)["3"]!.inputs.steps).toBe(12);
  });

  it("picks a random seed for every job, below 2^53 and within the node's maximum", async () => {
    const template = await sd15();
    const info = await stockObjectInfo();
    const seeds = [0, 0.25, 0.999999999999].map(
      (r) => buildJobParams(template, { prompt: "x" }, { objectInfo: info, random: () => r }).seed!,
    );
    expect(seeds[0]).toBe(0);
    expect(new Set(seeds).size).toBe(3);
    for (const seed of seeds) expect(Number.isSafeInteger(seed)).toBe(true);

    info.KSampler!.input.required!.seed = ["INT", { min: 0, max: 1000 }];
    const small = buildJobParams(
      template,
      { prompt: "x" },
      { objectInfo: info, random: () => 0.999999999999 },
    ).seed!;
    expect(small).toBeLessThanOrEqual(1000);
    expect(small).toBeGreaterThan(990);
    const unseeded = [1, 2, 3].map(() => buildJobParams(template, { prompt: "x" }).seed);
    expect(new Set(unseeded).size).toBeGreaterThan(1);
  });

  it("keeps a seed the member chose, up to 2^53-1", async () => {
    const template = await sd15();
    const params = buildJobParams(template, { prompt: "x", seed: Number.MAX_SAFE_INTEGER });
    expect(template.fill(params)["3"]!.inputs.seed).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("turns an aspect ratio into a size at the workflow's native pixel budget", async () => {
    const template = await sd15();
    expect(buildJobParams(template, { prompt: "x", aspect: "16:9" })).toMatchObject({
      width: 704,
      height: 384,
    });
    expect(buildJobParams(template, { prompt: "x", aspect: "1:1" })).toMatchObject({
      width: 512,
      height: 512,
    });
  });

  it("lets a width or height the member typed win over the aspect ratio", async () => {
    const template = await sd15();
    expect(buildJobParams(template, { prompt: "x", aspect: "16:9", width: 768 })).toMatchObject({
      width: 768,
      height: 512,
    });
  });

  it("refuses an aspect ratio on a workflow without a size to scale", async () => {
    const graph = await shippedGraph("sd15");
    graph["5"] = { class_type: "LoadLatent", inputs: { latent: "fixed.latent" } };
    const template = await loadOk({ name: "fixed", file: "workflow.json" }, await tempWorkflow(graph));
    const error = buildError(() => buildJobParams(template, { prompt: "x", aspect: "16:9" }));
    expect(error.code).toBe("param_not_offered");
    expect(error.param).toBe("aspect");
  });

  it("refuses a parameter the workflow does not bind", async () => {
    const graph = await shippedGraph("sd15");
    delete graph["3"]!.inputs.denoise;
    const template = await loadOk({ name: "nodenoise", file: "workflow.json" }, await tempWorkflow(graph));
    expect(template.offers("denoise")).toBe(false);
    const error = buildError(() => buildJobParams(template, { prompt: "x", denoise: 0.5 }));
    expect(error.code).toBe("param_not_offered");
    expect(error.param).toBe("denoise");
    expect(error.message).toBe("This workflow does not take denoise.");
  });
});
