import { describe, expect, it } from "vitest";
import { loadWorkflows } from "../../src/workflows/load-workflows.js";
import { paramChoices } from "../../src/workflows/param-choices.js";
import {
  configDir,
  loadOk,
  memoryLogger,
  shippedGraph,
  stockObjectInfo,
  tempWorkflow,
} from "./test-support.js";

describe("loadWorkflows", () => {
  it("loads workflows in config order and keeps the good ones when one is bad", async () => {
    const { logger, lines } = memoryLogger();
    const { templates, problems } = await loadWorkflows(
      [
        { name: "broken", file: "workflows/missing.json" },
        { name: "sd15", file: "workflows/sd15.json" },
        { name: "sdxl", file: "workflows/sdxl.json", description: "SDXL base" },
        { name: "sd15", file: "workflows/sdxl.json" },
      ],
      configDir,
      logger,
    );
    expect(templates.map((template) => template.name)).toEqual(["sd15", "sdxl"]);
    expect(templates[1]!.description).toBe("SDXL base");
    expect(problems.map((problem) => [problem.workflow, problem.code])).toEqual([
      ["broken", "file_missing"],
      ["sd15", "duplicate_name"],
    ]);
    expect(lines.filter((line) => line.level === 50)).toHaveLength(2);
    expect(lines.some((line) => String(line.msg).includes('the default is "sd15"'))).toBe(true);
  });
});

describe("paramChoices", () => {
  it("lists models, samplers and schedulers from the backend's combos, narrowed by the models allow-list", async () => {
    const info = await stockObjectInfo();
    const { templates } = await loadWorkflows(
      [
        { name: "sd15", file: "workflows/sd15.json" },
        { name: "only", file: "workflows/sdxl.json", models: ["sd_xl_base_1.0.safetensors"] },
      ],
      configDir,
      memoryLogger().logger,
    );
    const sd15 = templates[0]!;
    expect(paramChoices(sd15, info, "model")).toEqual([
      "v1-5-pruned-emaonly.safetensors",
      "sd_xl_base_1.0.safetensors",
    ]);
    expect(paramChoices(sd15, info, "sampler")).toContain("dpmpp_2m");
    expect(paramChoices(sd15, info, "scheduler")).toContain("karras");
    expect(paramChoices(templates[1]!, info, "model")).toEqual(["sd_xl_base_1.0.safetensors"]);
  });

  it("has no list for a parameter the workflow does not bind or whose input takes any value", async () => {
    const info = await stockObjectInfo();
    const graph = await shippedGraph("sd15");
    delete graph["3"]!.inputs.sampler_name;
    const noSampler = await loadOk({ name: "nosampler", file: "workflow.json" }, await tempWorkflow(graph));
    expect(paramChoices(noSampler, info, "sampler")).toBeUndefined();
    expect(paramChoices(noSampler, info, "steps")).toBeUndefined();
    expect(paramChoices(noSampler, info, "aspect")).toBeUndefined();
  });
});
