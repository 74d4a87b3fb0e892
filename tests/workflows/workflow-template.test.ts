import { describe, expect, it } from "vitest";
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

const hostilePrompt = (): string => {
  const pieces = [
    '"quoted"',
    "{braces}",
    "\\back\\slash\\",
    "new\nline\r\n",
    "🎨🦊👩‍👩‍👧",
    "مرحبا بالعالم",
    "\u202Eltr\u202C",
    "'; DROP",
    "${x}",
    "</script>",
  ];
  let text = "";
  while (text.length < 6000) text += pieces.join(" ") + " ";
  return text.slice(0, 6000);
};

describe("WorkflowTemplate.build", () => {
  it("puts a 6000-character hostile prompt byte for byte into the bound input and changes nothing else", async () => {
    const template = await sd15();
    const prompt = hostilePrompt();
    expect(prompt).toHaveLength(6000);
    const built = template.build({ prompt, seed: 123 }, { objectInfo: await stockObjectInfo() });
    expect(built.prompt["6"]!.inputs.text).toBe(prompt);
    expect(
      Buffer.from(built.prompt["6"]!.inputs.text as string, "utf8").equals(Buffer.from(prompt, "utf8")),
    ).toBe(true);
    // Serialising and parsing back, as the HTTP request does, keeps it intact too.
    expect((JSON.parse(JSON.stringify(built.prompt)) as typeof built.prompt)["6"]!.inputs.text).toBe(prompt);

    const expected = template.graph();
    expected["6"]!.inputs.text = prompt;
    expected["3"]!.inputs.seed = 123;
    expect(built.prompt).toEqual(expected);
  });

  it("never modifies the template, so jobs do not leak into each other", async () => {
    const template = await sd15();
    const before = template.graph();
    const first = template.build({ prompt: "first", steps: 5 });
    first.prompt["3"]!.inputs.cfg = 99;
    template.build({ prompt: "second" });
    expect(template.graph()).toEqual(before);
  });

  it("fills defaults for everything the job leaves out and reports the values used", async () => {
    const template = await sd15();
    const built = template.build({ prompt: "a fox", steps: 12 }, { random: () => 0.5 });
    expect(built.params).toEqual({
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
      batch: 1,
    });
    expect(built.prompt["3"]!.inputs.steps).toBe(12);
  });

  it("picks a random seed for every job, below 2^53 and within the node's maximum", async () => {
    const template = await sd15();
    const info = await stockObjectInfo();
    const seeds = [0, 0.25, 0.999999999999].map(
      (r) => template.build({ prompt: "x" }, { objectInfo: info, random: () => r }).params.seed!,
    );
    expect(seeds[0]).toBe(0);
    expect(new Set(seeds).size).toBe(3);
    for (const seed of seeds) expect(Number.isSafeInteger(seed)).toBe(true);

    info.KSampler!.input.required!.seed = ["INT", { min: 0, max: 1000 }];
    const small = template.build({ prompt: "x" }, { objectInfo: info, random: () => 0.999999999999 }).params
      .seed!;
    expect(small).toBeLessThanOrEqual(1000);
    expect(small).toBeGreaterThan(990);
    const unseeded = [1, 2, 3].map(() => template.build({ prompt: "x" }).params.seed);
    expect(new Set(unseeded).size).toBeGreaterThan(1);
  });

  it("accepts a user's seed only as a safe integer from 0 up", async () => {
    const template = await sd15();
    expect(template.build({ prompt: "x", seed: Number.MAX_SAFE_INTEGER }).prompt["3"]!.inputs.seed).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    for (const seed of [-1, 1.5, 2 ** 53, Number.NaN]) {
      const error = buildError(() => template.build({ prompt: "x", seed }));
      expect(error.param).toBe("seed");
      expect(error.message).toMatch(
        /^(Seed must be a whole number from 0 to 9007199254740991|Seed must be a number)/,
      );
    }
  });

  it("checks values against the backend's input specs", async () => {
    const template = await sd15();
    const objectInfo = await stockObjectInfo();
    const cases = [
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
    ] as const;
    for (const [params, code, message] of cases) {
      const error = buildError(() => template.build({ prompt: "x", ...params }, { objectInfo }));
      expect(error.code).toBe(code);
      expect(error.message.slice(0, message.length)).toBe(message);
    }
    expect(
      template.build({ prompt: "x", sampler: "dpmpp_2m", width: 768 }, { objectInfo }).prompt["5"]!.inputs
        .width,
    ).toBe(768);
  });

  it("applies the channel's limits and says which one was hit", async () => {
    const template = await sd15();
    const limits = {
      maxSteps: 50,
      maxWidth: 1024,
      maxHeight: 1024,
      maxPixels: 512 * 768,
      maxCount: 4,
      models: ["v1-5-pruned-emaonly.safetensors"],
    };
    expect(buildError(() => template.build({ prompt: "x", steps: 80 }, { limits })).message).toBe(
      "Steps 80 is above the maximum of 50 here.",
    );
    expect(buildError(() => template.build({ prompt: "x", batch: 5 }, { limits })).code).toBe(
      "param_out_of_range",
    );
    expect(buildError(() => template.build({ prompt: "x", width: 1032 }, { limits })).param).toBe("width");
    expect(
      buildError(() => template.build({ prompt: "x", width: 768, height: 768 }, { limits })).message,
    ).toContain("768×768 is 589824 pixels, above the maximum of 393216 here");
    expect(
      buildError(() => template.build({ prompt: "x", model: "sd_xl_base_1.0.safetensors" }, { limits }))
        .message,
    ).toContain("is not allowed here");
    expect(template.build({ prompt: "x", steps: 50, width: 768, batch: 4 }, { limits }).params.batch).toBe(4);
  });

  it("refuses a parameter the workflow does not bind", async () => {
    const graph = await shippedGraph("sd15");
    delete graph["3"]!.inputs.denoise;
    const template = await loadOk({ name: "nodenoise", file: "workflow.json" }, await tempWorkflow(graph));
    expect(template.offers("denoise")).toBe(false);
    const error = buildError(() => template.build({ prompt: "x", denoise: 0.5 }));
    expect(error.code).toBe("param_not_offered");
    expect(error.message).toBe("This workflow does not take denoise.");
  });

  it("refuses an empty prompt", async () => {
    const template = await sd15();
    expect(buildError(() => template.build({ prompt: "  \n" })).message).toBe("The prompt is empty.");
  });
});
