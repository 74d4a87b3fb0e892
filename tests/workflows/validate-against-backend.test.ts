import { describe, expect, it } from "vitest";
import { validateAgainstBackend } from "../../src/workflows/validate-against-backend.js";
import { configDir, loadOk, shippedGraph, stockObjectInfo, tempWorkflow } from "./test-support.js";

async function templateFrom(graph: unknown, config: Record<string, unknown> = {}) {
  return loadOk({ name: "custom", file: "workflow.json", ...config }, await tempWorkflow(graph));
}

describe("validateAgainstBackend", () => {
  it("finds nothing wrong with the shipped workflows on a stock server that has their checkpoints", async () => {
    const info = await stockObjectInfo();
    for (const name of ["sd15", "sdxl"]) {
      const template = await loadOk({ name, file: `workflows/${name}.json` }, configDir);
      expect(validateAgainstBackend(template, info, "gpu-1")).toEqual([]);
    }
  });

  it("names a custom node that is not installed on the host", async () => {
    const graph = await shippedGraph("sd15");
    graph["10"] = { class_type: "FancyUpscaler", inputs: { image: ["8", 0] } };
    const problems = validateAgainstBackend(await templateFrom(graph), await stockObjectInfo(), "gpu-1");
    expect(problems).toEqual([
      {
        workflow: "custom",
        code: "class_missing",
        host: "gpu-1",
        nodeId: "10",
        classType: "FancyUpscaler",
        message:
          'Workflow "custom": node 10 uses "FancyUpscaler", a custom node that is not installed on host gpu-1; install it there (for example with ComfyUI-Manager) and restart ComfyUI, or remove the node.',
      },
    ]);
  });

  it("reports a checkpoint the host does not have and lists the ones it has", async () => {
    const template = await templateFrom(await shippedGraph("sd15"), {
      defaults: { model: "dreamshaper_8.safetensors" },
    });
    const problems = validateAgainstBackend(template, await stockObjectInfo(), "gpu-2");
    expect(problems.map((problem) => problem.code)).toEqual(["model_missing"]);
    expect(problems[0]!.message).toBe(
      'Workflow "custom": model "dreamshaper_8.safetensors" in node 4 (CheckpointLoaderSimple) is not installed on host gpu-2; put the file in that ComfyUI\'s models/checkpoints folder or set defaults.model to one of: v1-5-pruned-emaonly.safetensors, sd_xl_base_1.0.safetensors.',
    );
  });

  it("reports a default out of range and points at the config key that sets it", async () => {
    const template = await templateFrom(await shippedGraph("sd15"), { defaults: { steps: 20_000 } });
    const problems = validateAgainstBackend(template, await stockObjectInfo(), "gpu-1");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "value_out_of_range", nodeId: "3", classType: "KSampler" });
    expect(problems[0]!.message).toBe(
      'Workflow "custom": node 3 (KSampler) input "steps" is 20000, above the maximum of 10000 on host gpu-1; set defaults.steps in the config.',
    );
  });

  it("reports an unbound literal out of range as a fix in the workflow file", async () => {
    const graph = await shippedGraph("sd15");
    graph["3"]!.inputs.cfg = -1;
    const template = await templateFrom(graph, { bindings: {} });
    const [problem] = validateAgainstBackend(template, await stockObjectInfo(), "gpu-1");
    expect(problem?.message).toContain("below the minimum of 0");
  });

  it("reports a missing required input, a link to a wrong output and a link of the wrong type", async () => {
    const graph = await shippedGraph("sd15");
    delete graph["9"]!.inputs.filename_prefix;
    graph["8"]!.inputs.vae = ["4", 5];
    graph["8"]!.inputs.samples = ["6", 0];
    const problems = validateAgainstBackend(await templateFrom(graph), await stockObjectInfo(), "gpu-1");
    expect(problems.map((problem) => [problem.code, problem.nodeId])).toEqual([
      ["link_type_mismatch", "8"],
      ["link_bad_output", "8"],
      ["required_input_missing", "9"],
    ]);
    expect(problems[0]!.message).toContain(
      "expects LATENT but is linked to node 6 (CLIPTextEncode), which gives CONDITIONING",
    );
    expect(problems[1]!.message).toContain("which has only 3 outputs");
    expect(problems[2]!.message).toContain('lacks the required input "filename_prefix"');
  });

  it("reports a binding whose input type does not fit the parameter", async () => {
    const graph = await shippedGraph("sd15");
    graph["3"]!.inputs.sampler_name = 3;
    const info = await stockObjectInfo();
    const template = await templateFrom(graph, { bindings: { steps: "3.inputs.sampler_name" } });
    const problems = validateAgainstBackend(template, info, "gpu-1");
    expect(problems.map((problem) => problem.code)).toEqual(["value_wrong_type", "binding_type_mismatch"]);
    expect(problems[1]!.message).toContain(
      'bindings.steps points at node 3 (KSampler) input "sampler_name", which is a COMBO input, but steps needs INT',
    );
  });

  it("reports a graph whose nodes are all known and none is an output node", async () => {
    const graph = await shippedGraph("sd15");
    graph["9"] = { class_type: "PassThroughImage", inputs: { images: ["8", 0] } };
    const template = await templateFrom(graph);
    const info = await stockObjectInfo();
    info.PassThroughImage = {
      input: { required: { images: ["IMAGE"] } },
      output: ["IMAGE"],
      output_node: false,
    };
    const problems = validateAgainstBackend(template, info, "gpu-1");
    expect(problems.map((problem) => problem.code)).toEqual(["no_output_node"]);
    expect(problems[0]!.message).toContain("no node is an output node on host gpu-1");
  });
});
