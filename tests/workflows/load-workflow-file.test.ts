import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindingNames } from "../../src/request/param-table.js";
import { loadWorkflowFile } from "../../src/workflows/load-workflow-file.js";
import { configDir, fixturesDir, loadOk, memoryLogger, shippedGraph, tempWorkflow } from "./test-support.js";

async function problemsFor(content: unknown, bindings?: Record<string, string>) {
  const dir = await tempWorkflow(content);
  const loaded = await loadWorkflowFile(
    { name: "custom", file: "workflow.json", ...(bindings && { bindings }) },
    dir,
    memoryLogger().logger,
  );
  expect(loaded.ok).toBe(false);
  return loaded.ok ? [] : loaded.problems;
}

describe("loadWorkflowFile", () => {
  it("finds every binding in the shipped SD1.5 and SDXL graphs by walking from the sampler", async () => {
    for (const [name, native, ckpt] of [
      ["sd15", 512, "v1-5-pruned-emaonly.safetensors"],
      ["sdxl", 1024, "sd_xl_base_1.0.safetensors"],
    ] as const) {
      const template = await loadOk({ name, file: `workflows/${name}.json` }, configDir);
      // Auto-detection found an input for every bot parameter a text-to-image graph has (no
      // LoadImage, no LoRA loader).
      expect(template.offered).toEqual(
        bindingNames.filter((name) => name !== "image" && !name.startsWith("lora")),
      );
      expect(template.bindings).toEqual({
        prompt: { nodeId: "6", input: "text" },
        negative: { nodeId: "7", input: "text" },
        seed: { nodeId: "3", input: "seed" },
        steps: { nodeId: "3", input: "steps" },
        cfg: { nodeId: "3", input: "cfg" },
        sampler: { nodeId: "3", input: "sampler_name" },
        scheduler: { nodeId: "3", input: "scheduler" },
        denoise: { nodeId: "3", input: "denoise" },
        width: { nodeId: "5", input: "width" },
        height: { nodeId: "5", input: "height" },
        batch: { nodeId: "5", input: "batch_size" },
        model: { nodeId: "4", input: "ckpt_name" },
      });
      expect(template.native).toEqual({ width: native, height: native });
      expect(template.defaultModel).toBe(ckpt);
      expect(template.classTypes).toEqual([
        "CLIPTextEncode",
        "CheckpointLoaderSimple",
        "EmptyLatentImage",
        "KSampler",
        "SaveImage",
        "VAEDecode",
      ]);
    }
  });

  it("logs what it detected", async () => {
    const { logger, lines } = memoryLogger();
    await loadOk({ name: "sd15", file: "workflows/sd15.json" }, configDir, logger);
    const line = lines.find((entry) => entry.msg === "workflow bindings detected");
    expect(line).toMatchObject({ workflow: "sd15", samplers: ["3"], detected: { prompt: "6.inputs.text" } });
  });

  it("lets an explicit binding win over the detected one and keeps detecting the rest", async () => {
    const graph = await shippedGraph("sd15");
    graph["7"]!.inputs.text = "swapped";
    const dir = await tempWorkflow(graph);
    const { logger, lines } = memoryLogger();
    const template = await loadOk(
      {
        name: "swap",
        file: "workflow.json",
        bindings: { prompt: "7.inputs.text", negative: "6.inputs.text" },
      },
      dir,
      logger,
    );
    expect(template.bindings.prompt).toEqual({ nodeId: "7", input: "text" });
    expect(template.bindings.negative).toEqual({ nodeId: "6", input: "text" });
    expect(template.bindings.steps).toEqual({ nodeId: "3", input: "steps" });
    expect(lines.some((entry) => entry.msg === "binding overridden" && entry.param === "prompt")).toBe(true);
  });

  it("writes the config's defaults into the template and ignores defaults for parameters it does not bind", async () => {
    const graph = await shippedGraph("sd15");
    delete graph["3"]!.inputs.denoise;
    const dir = await tempWorkflow(graph);
    const { logger, lines } = memoryLogger();
    const template = await loadOk(
      { name: "tuned", file: "workflow.json", defaults: { steps: 30, width: 768, denoise: 0.5 } },
      dir,
      logger,
    );
    expect(template.defaults.steps).toBe(30);
    expect(template.native).toEqual({ width: 768, height: 512 });
    expect(template.offers("denoise")).toBe(false);
    expect(lines.some((entry) => entry.level === 40 && String(entry.msg).includes("defaults.denoise"))).toBe(
      true,
    );
  });

  it("accepts an absolute file path", async () => {
    const template = await loadOk(
      { name: "abs", file: join(configDir, "workflows", "sdxl.json") },
      "/nonexistent",
    );
    expect(template.native).toEqual({ width: 1024, height: 1024 });
  });

  it("refuses a UI-format export and says how to export in API format", async () => {
    const loaded = await loadWorkflowFile(
      { name: "ui", file: "ui-export.json" },
      fixturesDir,
      memoryLogger().logger,
    );
    expect(loaded.ok).toBe(false);
    const [problem] = loaded.ok ? [] : loaded.problems;
    expect(problem?.code).toBe("ui_format");
    expect(problem?.message).toContain('Workflow "ui"');
    expect(problem?.message).toContain("Export (API)");
    expect(problem?.message).toContain("dev mode");
  });

  it("refuses a file that is not JSON", async () => {
    const [problem] = await problemsFor("{ this is not json");
    expect(problem?.code).toBe("not_json");
    expect(problem?.message).toMatch(/workflow\.json is not valid JSON/);
  });

  it("refuses a missing file and names the folder relative paths start from", async () => {
    const loaded = await loadWorkflowFile(
      { name: "gone", file: "workflows/nope.json" },
      configDir,
      memoryLogger().logger,
    );
    expect(loaded.ok).toBe(false);
    const [problem] = loaded.ok ? [] : loaded.problems;
    expect(problem?.code).toBe("file_missing");
    expect(problem?.message).toContain(join(configDir, "workflows", "nope.json"));
    expect(problem?.message).toContain("config file's folder");
  });

  it("refuses JSON that is not a graph of nodes", async () => {
    const [problem] = await problemsFor({ "1": { inputs: {} } });
    expect(problem?.code).toBe("not_api_format");
    expect(problem?.message).toContain('"class_type"');
  });

  it("refuses a binding to a node that does not exist and lists the nodes", async () => {
    const problems = await problemsFor(await shippedGraph("sd15"), { steps: "99.inputs.steps" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "binding_missing_node", nodeId: "99" });
    expect(problems[0]!.message).toContain("bindings.steps points at node 99");
    expect(problems[0]!.message).toContain("3 KSampler");
  });

  it("refuses a binding to an input the node does not have", async () => {
    const problems = await problemsFor(await shippedGraph("sd15"), { steps: "3.inputs.stepz" });
    expect(problems[0]).toMatchObject({ code: "binding_missing_input", nodeId: "3", classType: "KSampler" });
    expect(problems[0]!.message).toContain('node 3 (KSampler) input "stepz", which does not exist');
  });

  it("refuses the prompt bound to an INT input", async () => {
    const problems = await problemsFor(await shippedGraph("sd15"), { prompt: "3.inputs.steps" });
    expect(problems[0]).toMatchObject({ code: "binding_type_mismatch", nodeId: "3" });
    expect(problems[0]!.message).toContain("holds 20, but prompt needs text");
  });

  it("refuses a binding to an input fed by a link", async () => {
    const problems = await problemsFor(await shippedGraph("sd15"), { model: "3.inputs.model" });
    expect(problems[0]?.code).toBe("binding_linked");
  });

  it("refuses two parameters bound to the same input", async () => {
    const problems = await problemsFor(await shippedGraph("sd15"), { negative: "6.inputs.text" });
    expect(problems[0]?.code).toBe("binding_conflict");
    expect(problems[0]?.message).toContain("prompt and negative both go to 6.inputs.text");
  });

  it("refuses a graph with no output node", async () => {
    const graph = await shippedGraph("sd15");
    delete graph["9"];
    const problems = await problemsFor(graph);
    expect(problems.map((problem) => problem.code)).toEqual(["no_output_node"]);
    expect(problems[0]!.message).toContain("Save Image");
  });

  it("refuses a link to a node that is not in the file", async () => {
    const graph = await shippedGraph("sd15");
    graph["8"]!.inputs.vae = ["42", 2];
    const problems = await problemsFor(graph);
    expect(problems[0]).toMatchObject({ code: "link_missing_node", nodeId: "8", classType: "VAEDecode" });
  });

  it("refuses a graph where the prompt cannot be found and names the nodes it saw", async () => {
    const problems = await problemsFor({
      "1": { class_type: "EmptyImage", inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
      "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "x" } },
    });
    expect(problems[0]?.code).toBe("prompt_not_found");
    expect(problems[0]?.message).toContain("1 EmptyImage, 2 SaveImage");
    expect(problems[0]?.message).toContain("bindings.prompt");
  });

  it("loads a graph that starts from a picture and takes no prompt (an upscale)", async () => {
    const dir = await tempWorkflow({
      "1": { class_type: "LoadImage", inputs: { image: "example.png" } },
      "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "x" } },
    });
    const loaded = await loadWorkflowFile(
      { name: "picture", file: "workflow.json" },
      dir,
      memoryLogger().logger,
    );
    expect(loaded.ok && loaded.template.offered).toEqual(["image"]);
  });

  it("refuses a default model outside the workflow's models list", async () => {
    const loaded = await loadWorkflowFile(
      { name: "sd15", file: "workflows/sd15.json", models: ["other.safetensors"] },
      configDir,
      memoryLogger().logger,
    );
    expect(loaded.ok ? [] : loaded.problems.map((problem) => problem.code)).toEqual(["model_not_allowed"]);
  });
});
