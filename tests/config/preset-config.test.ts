import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load-config.js";

const workflows = "workflows: [{ name: sd15, file: a.json }, { name: sd15-lora, file: b.json }]\n";

function problems(yaml: string): string[] {
  return parseConfigText(workflows + yaml, "bot.yaml").problems;
}

describe("styles[] in the config file", () => {
  it("reads a style with its template, negative, workflow and params, and fills the defaults", () => {
    const { config, problems } = parseConfigText(
      workflows +
        [
          "styles:",
          '  - { name: watercolor, description: Soft paint, prompt: "{prompt}, watercolor", negative: photo,',
          "      workflow: sd15, params: { steps: 30, cfg: 6, sampler: euler_ancestral, aspect: '3:2', count: 2 } }",
          '  - { name: plain, prompt: "a picture of {prompt}" }',
        ].join("\n"),
      "bot.yaml",
    );
    expect(problems).toEqual([]);
    expect(config?.styles).toEqual([
      {
        name: "watercolor",
        description: "Soft paint",
        prompt: "{prompt}, watercolor",
        negative: "photo",
        workflow: "sd15",
        params: { steps: 30, cfg: 6, sampler: "euler_ancestral", aspect: "3:2", count: 2 },
      },
      { name: "plain", prompt: "a picture of {prompt}", negative: "" },
    ]);
    expect(config?.loras).toEqual([]);
  });

  it("refuses a template without {prompt} at start-up, naming the key and the fix", () => {
    expect(problems("styles: [{ name: anime, prompt: 'anime style, cel shading' }]\n")).toEqual([
      'bot.yaml: styles.0.prompt: expected a template containing {prompt}, where the member\'s prompt goes (for example "{prompt}, watercolor painting"), got "anime style, cel shading"',
    ]);
  });

  it("refuses a style name twice, a workflow that is not configured and a slug that is not one", () => {
    expect(
      problems(
        [
          "styles:",
          "  - { name: anime, prompt: '{prompt}' }",
          "  - { name: anime, prompt: '{prompt}, again', workflow: sdxl }",
          "  - { name: Big Name, prompt: '{prompt}' }",
        ].join("\n"),
      ),
    ).toEqual([
      'bot.yaml: styles.2.name: expected a lowercase slug of 1 to 32 characters, got "Big Name"',
      'bot.yaml: styles.1.name: another style is already called "anime"; give each entry its own name, got "anime"',
      'bot.yaml: styles.1.workflow: expected the name of a workflow under "workflows" (sd15, sd15-lora), got "sdxl"',
    ]);
  });

  it("holds params to what a member could ask for, by /generate option name", () => {
    const lines = problems(
      "styles: [{ name: s, prompt: '{prompt}', params: { steps: 0, aspect: '7:3', width: 500, lora_strength: 3 } }]\n",
    );
    expect(lines).toEqual([
      "bot.yaml: styles.0.params.steps: expected a whole number from 1 to 500, got 0",
      expect.stringMatching(
        /^bot\.yaml: styles\.0\.params\.aspect: expected one of: 1:1, .*16:9.*, got "7:3"$/,
      ),
      "bot.yaml: styles.0.params.width: expected a multiple of 8, got 500",
      "bot.yaml: styles.0.params.lora_strength: expected a number from -2 to 2, got 3",
    ]);
    // Not the seed (every image would be alike), nor the binding's name for the image count.
    expect(problems("styles: [{ name: s, prompt: '{prompt}', params: { seed: 1 } }]\n")).toEqual([
      'bot.yaml: styles.0.params: unknown key "seed"',
    ]);
    expect(problems("styles: [{ name: s, prompt: '{prompt}', params: { batch: 2 } }]\n")).toEqual([
      'bot.yaml: styles.0.params: unknown key "batch"',
    ]);
  });

  it("takes a LoRA in params by its name under loras, not by its file", () => {
    const loras = "loras: [{ name: detail, file: add_detail.safetensors }]\n";
    expect(problems(loras + "styles: [{ name: s, prompt: '{prompt}', params: { lora: detail } }]\n")).toEqual(
      [],
    );
    expect(
      problems(
        loras + "styles: [{ name: s, prompt: '{prompt}', params: { lora: add_detail.safetensors } }]\n",
      ),
    ).toEqual([
      'bot.yaml: styles.0.params.lora: expected the name of a LoRA under "loras" (detail), not its file, got "add_detail.safetensors"',
    ]);
  });
});

describe("loras[] in the config file", () => {
  it("reads name, file and strength, the strength defaulting to 1", () => {
    const { config, problems } = parseConfigText(
      "loras:\n  - { name: detail, file: add_detail.safetensors, strength: 0.6 }\n  - { name: ink, file: styles/ink.safetensors }\n",
      "bot.yaml",
    );
    expect(problems).toEqual([]);
    expect(config?.loras).toEqual([
      { name: "detail", file: "add_detail.safetensors", strength: 0.6 },
      { name: "ink", file: "styles/ink.safetensors", strength: 1 },
    ]);
  });

  it("refuses a strength a member could not ask for, an empty file and a name twice", () => {
    expect(
      problems("loras: [{ name: a, file: a.safetensors, strength: 2.5 }, { name: b, file: '' }]\n"),
    ).toEqual([
      "bot.yaml: loras.0.strength: expected a number from -2 to 2, got 2.5",
      'bot.yaml: loras.1.file: expected the file name as ComfyUI lists it, e.g. add_detail.safetensors, got ""',
    ]);
    expect(problems("loras: [{ name: a, file: a.safetensors }, { name: a, file: b.safetensors }]\n")).toEqual(
      ['bot.yaml: loras.1.name: another LoRA is already called "a"; give each entry its own name, got "a"'],
    );
  });
});
