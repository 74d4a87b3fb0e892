import { describe, expect, it } from "vitest";
import type { JobParams } from "../../src/request/generation-request.js";
import { buildJobParams } from "../../src/workflows/build-job-params.js";
import { checkJobParams } from "../../src/workflows/check-job-params.js";
import { WorkflowError } from "../../src/workflows/workflow-error.js";
import type { WorkflowTemplate } from "../../src/workflows/workflow-template.js";
import { configDir, loadOk, shippedGraph, stockObjectInfo, tempWorkflow } from "./test-support.js";

const sd15 = (): Promise<WorkflowTemplate> =>
  loadOk({ name: "sd15", file: "workflows/sd15.json" }, configDir);

function checkError(run: () => unknown): WorkflowError {
  try {
    run();
  } catch (error) {
    if (error instanceof WorkflowError) return error;
    throw error;
  }
  throw new Error("expected a WorkflowError");
}

describe("checkJobParams", () => {
  it("checks values against the host's input specs", async () => {
    const template = await sd15();
    const objectInfo = await stockObjectInfo();
    const built = buildJobParams(template, { prompt: "x" }, { objectInfo });
    const cases: [Partial<JobParams>, string, string][] = [
      [{ steps: 0 }, "param_out_of_range", "Steps 0 is below the minimum of 1."],
      [{ cfg: 101 }, "param_out_of_range", "CFG 101 is above this workflow's maximum of 100."],
      [{ steps: 2.5 }, "bad_value", "Steps must be a whole number."],
      [{ width: 500 }, "bad_value", "Width 500 must be a multiple of 8."],
      [{ sampler: "warp" }, "bad_value", 'Sampler "warp" is not available on this server; choose one of:'],
      [
        { model: "nope.safetensors" },
        "bad_value",
        'Model "nope.safetensors" is not available on this server',
      ],
    ];
    for (const [change, code, message] of cases) {
      const error = checkError(() => checkJobParams(template, { ...built, ...change }, { objectInfo }));
      expect(error.code).toBe(code);
      expect(error.message.slice(0, message.length)).toBe(message);
    }
    const fine = { ...built, sampler: "dpmpp_2m", width: 768 };
    expect(() => checkJobParams(template, fine, { objectInfo })).not.toThrow();
    expect(template.fill(fine)["5"]!.inputs.width).toBe(768);
  });

  it("keeps sizes multiples of 8 even without a host to ask", async () => {
    const template = await sd15();
    const error = checkError(() => checkJobParams(template, { prompt: "x", width: 500 }));
    expect(error.message).toBe("Width 500 must be a multiple of 8.");
  });

  it("says when a value that fails is the workflow's default rather than the member's", async () => {
    const template = await sd15();
    const objectInfo = await stockObjectInfo();
    objectInfo.KSampler!.input.required!.steps = ["INT", { min: 1, max: 10 }];
    const request = { prompt: "x" };
    const built = buildJobParams(template, request, { objectInfo });
    expect(checkError(() => checkJobParams(template, built, { objectInfo, request })).message).toBe(
      "Steps 20 is above this workflow's maximum of 10 (this workflow's default).",
    );
    const asked = { prompt: "x", steps: 12 };
    expect(
      checkError(() =>
        checkJobParams(template, buildJobParams(template, asked, { objectInfo }), {
          objectInfo,
          request: asked,
        }),
      ).message,
    ).toBe("Steps 12 is above this workflow's maximum of 10.");
  });

  it("counts a size from the member's aspect ratio as the member's", async () => {
    const template = await sd15();
    const objectInfo = await stockObjectInfo();
    objectInfo.EmptyLatentImage!.input.required!.width = ["INT", { min: 16, max: 600, step: 8 }];
    const request = { prompt: "x", aspect: "16:9" as const };
    const built = buildJobParams(template, request, { objectInfo });
    expect(checkError(() => checkJobParams(template, built, { objectInfo, request })).message).toBe(
      "Width 704 is above this workflow's maximum of 600.",
    );
  });

  it("refuses a checkpoint outside the workflow's own models list", async () => {
    const template = await loadOk(
      { name: "sd15", file: "workflows/sd15.json", models: ["v1-5-pruned-emaonly.safetensors"] },
      configDir,
    );
    const error = checkError(() =>
      checkJobParams(template, { prompt: "x", model: "sd_xl_base_1.0.safetensors" }),
    );
    expect(error.param).toBe("model");
    expect(error.message).toContain("is not allowed here");
  });

  it("refuses a stored value the workflow no longer binds (the config changed while the job waited)", async () => {
    const graph = await shippedGraph("sd15");
    delete graph["3"]!.inputs.denoise;
    const template = await loadOk({ name: "nodenoise", file: "workflow.json" }, await tempWorkflow(graph));
    const error = checkError(() => checkJobParams(template, { prompt: "x", denoise: 0.5 }));
    expect(error.code).toBe("param_not_offered");
  });
});
