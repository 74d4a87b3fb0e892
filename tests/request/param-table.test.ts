import { describe, expect, it } from "vitest";
import { workflowConfigSchema } from "../../src/config/schema.js";
import { bindingNames, paramBoundTo, paramRows } from "../../src/request/param-table.js";

describe("the parameter table", () => {
  it("declares each parameter once, with a label for messages", () => {
    const names = paramRows.map((row) => row.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      "prompt",
      "negative",
      "seed",
      "steps",
      "cfg",
      "aspect",
      "width",
      "height",
      "model",
      "workflow",
      "count",
      "style",
      "sampler",
      "scheduler",
      "denoise",
      "image",
      "lora",
      "lora_strength",
    ]);
    for (const row of paramRows) expect(row.label.length).toBeGreaterThan(0);
  });

  it("keeps the operator's binding names, count binding through batch", () => {
    expect([...bindingNames].sort()).toEqual(
      [
        "prompt",
        "negative",
        "seed",
        "steps",
        "cfg",
        "width",
        "height",
        "model",
        "sampler",
        "scheduler",
        "denoise",
        "batch",
        "image",
        "lora",
        "lora_strength",
        "lora_clip_strength",
      ].sort(),
    );
    expect(paramBoundTo("batch").name).toBe("count");
    // One strength, written to the model's and the CLIP's input of the LoRA loader.
    expect(paramBoundTo("lora_clip_strength").name).toBe("lora_strength");
    for (const binding of bindingNames.filter((name) => name !== "lora_clip_strength"))
      expect(paramBoundTo(binding).binding).toBe(binding);
  });

  it("names only real bindings in what a row needs and only real rows in a view pairing", () => {
    for (const row of paramRows) {
      for (const binding of row.needs ?? []) expect(bindingNames).toContain(binding);
      const paired = row.view?.pairedWith;
      if (paired !== undefined) expect(paramRows.map((other) => other.name)).toContain(paired);
    }
  });

  it("keeps Discord's limits: 100-character descriptions, and Discord's own integer cap", () => {
    for (const row of paramRows) {
      if (row.discord) expect(row.discord.description.length).toBeLessThanOrEqual(100);
      if (row.type.kind === "integer") expect(row.type.max).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
      if (row.discord?.choices === "values") expect(row.type.kind).toBe("choice");
    }
  });

  it("lets workflows[].defaults set every bound parameter but the prompt and the seed, within its range", () => {
    const parse = (defaults: Record<string, unknown>) =>
      workflowConfigSchema.safeParse({ name: "w", file: "w.json", defaults });
    expect(parse({ negative: "", steps: 30, cfg: 6.5, width: 1024, height: 1024, batch: 2 }).success).toBe(
      true,
    );
    expect(
      parse({ model: "a.safetensors", sampler: "euler", scheduler: "karras", denoise: 0.5 }).success,
    ).toBe(true);
    expect(parse({ prompt: "x" }).success).toBe(false);
    expect(parse({ seed: 1 }).success).toBe(false);
    expect(parse({ count: 2 }).success).toBe(false);
    // The graph keeps the LoRA's strengths unless a job sets one (see whenLeftOut: "graph").
    expect(parse({ lora_strength: 0.5 }).success).toBe(false);
    expect(parse({ lora_clip_strength: 0.5 }).success).toBe(false);
    expect(parse({ denoise: 2 }).success).toBe(false);
    expect(parse({ steps: 0 }).success).toBe(false);
  });

  it("accepts every binding name in workflows[].bindings and nothing else", () => {
    const parse = (bindings: Record<string, unknown>) =>
      workflowConfigSchema.safeParse({ name: "w", file: "w.json", bindings });
    const all = Object.fromEntries(bindingNames.map((name) => [name, "3.inputs.x"]));
    expect(parse(all).success).toBe(true);
    expect(parse({ count: "5.inputs.batch_size" }).success).toBe(false);
    expect(parse({ aspect: "5.inputs.width" }).success).toBe(false);
  });
});
