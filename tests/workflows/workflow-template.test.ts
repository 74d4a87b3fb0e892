import { describe, expect, it } from "vitest";
import type { JobParams } from "../../src/request/generation-request.js";
import type { WorkflowTemplate } from "../../src/workflows/workflow-template.js";
import { configDir, loadOk, shippedGraph, tempWorkflow } from "./test-support.js";

const sd15 = (): Promise<WorkflowTemplate> =>
  loadOk({ name: "sd15", file: "workflows/sd15.json" }, configDir);

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

describe("WorkflowTemplate.fill", () => {
  it("puts a 6000-character hostile prompt byte for byte into the bound input and changes nothing else", async () => {
    const template = await sd15();
    const prompt = hostilePrompt();
    expect(prompt).toHaveLength(6000);
    const filled = template.fill({ prompt, seed: 123 });
    expect(filled["6"]!.inputs.text).toBe(prompt);
    expect(Buffer.from(filled["6"]!.inputs.text as string, "utf8").equals(Buffer.from(prompt, "utf8"))).toBe(
      true,
    );
    // Serialising and parsing back, as the HTTP request does, keeps it intact too.
    expect((JSON.parse(JSON.stringify(filled)) as typeof filled)["6"]!.inputs.text).toBe(prompt);

    const expected = template.graph();
    expected["6"]!.inputs.text = prompt;
    expected["3"]!.inputs.seed = 123;
    expect(filled).toEqual(expected);
  });

  it("writes exactly the job's values through the bindings, the image count through batch_size", async () => {
    const template = await sd15();
    const params: JobParams = {
      prompt: "a fox",
      negative: "lowres, blurry",
      seed: 987654321,
      steps: 12,
      cfg: 4.5,
      width: 640,
      height: 384,
      model: "sd_xl_base_1.0.safetensors",
      count: 3,
      sampler: "dpmpp_2m",
      scheduler: "karras",
      denoise: 0.75,
    };
    const filled = template.fill(params);
    expect(filled["6"]!.inputs.text).toBe("a fox");
    expect(filled["7"]!.inputs.text).toBe("lowres, blurry");
    expect(filled["3"]!.inputs).toMatchObject({
      seed: 987654321,
      steps: 12,
      cfg: 4.5,
      sampler_name: "dpmpp_2m",
      scheduler: "karras",
      denoise: 0.75,
    });
    expect(filled["5"]!.inputs).toMatchObject({ width: 640, height: 384, batch_size: 3 });
    expect(filled["4"]!.inputs.ckpt_name).toBe("sd_xl_base_1.0.safetensors");
  });

  it("never modifies the template, so jobs do not leak into each other", async () => {
    const template = await sd15();
    const before = template.graph();
    const first = template.fill({ prompt: "first", steps: 5 });
    first["3"]!.inputs.cfg = 99;
    template.fill({ prompt: "second" });
    expect(template.graph()).toEqual(before);
  });
});

describe("WorkflowTemplate defaults and offers", () => {
  it("reads its defaults from the bound inputs under the request's names, without a prompt", async () => {
    const template = await sd15();
    expect(template.defaults).toMatchObject({ steps: 20, width: 512, height: 512, count: 1 });
    expect(template.defaults.prompt).toBeUndefined();
    expect(template.native).toEqual({ width: 512, height: 512 });
  });

  it("takes an aspect ratio only when it binds both width and height", async () => {
    const graph = await shippedGraph("sd15");
    delete graph["3"]!.inputs.denoise;
    const template = await loadOk({ name: "nodenoise", file: "workflow.json" }, await tempWorkflow(graph));
    expect(template.takes("aspect")).toBe(true);
    expect(template.takes("workflow")).toBe(true);
    expect(template.takes("count")).toBe(true);
    expect(template.takes("denoise")).toBe(false);
    expect(template.offers("denoise")).toBe(false);
  });
});
