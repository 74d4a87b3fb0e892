import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { GenerationService, type GenerateInput } from "../../src/app/generation-service.js";
import type { ObjectInfo } from "../../src/comfy/object-info.js";
import { parseConfigText } from "../../src/config/load-config.js";
import { botSettingsDefaults, resolveEffectiveSettings } from "../../src/moderation/effective-settings.js";
import type { SettingsLayer } from "../../src/moderation/settings-schema.js";
import type { AdmissionDecision, AdmissionRequest } from "../../src/queue/admission.js";
import type { QueuedJob } from "../../src/queue/job.js";
import type { RequestInput } from "../../src/request/generation-request.js";
import type { Presets } from "../../src/presets/presets.js";
import { shippedTemplate } from "../workflows/shipped-templates.js";
import { configDir, loadOk, stockObjectInfo } from "../workflows/test-support.js";

/** The presets as an operator writes them, read through the config loader. */
function presetsFrom(yaml: string): Presets {
  const { config, problems } = parseConfigText(
    "workflows: [{ name: sd15, file: a.json }, { name: sdxl, file: b.json }, { name: sd15-lora, file: c.json }]\n" +
      yaml,
    "bot.yaml",
  );
  if (!config) throw new Error(problems.join("\n"));
  return { styles: config.styles, loras: config.loras };
}

const presets = presetsFrom(`
styles:
  - { name: watercolor, prompt: "{prompt}, watercolor painting", negative: "photo, 3d", params: { steps: 18, cfg: 5 } }
  - { name: ink, prompt: "ink drawing of {prompt}", workflow: sdxl }
  - { name: grim, prompt: "{prompt}, gore" }
  - { name: detailed, prompt: "{prompt}, intricate", workflow: sd15-lora, params: { lora: detail } }
loras:
  - { name: detail, file: add_detail.safetensors, strength: 0.6 }
  - { name: ink, file: ink.safetensors }
`);

/** A host's `/object_info` whose LoRA loaders list these files. */
function withLoras(info: ObjectInfo, files: string[]): ObjectInfo {
  const copy = structuredClone(info);
  for (const classType of ["LoraLoader", "LoraLoaderModelOnly"]) {
    const required = copy[classType]?.input.required;
    if (required?.["lora_name"]) required["lora_name"] = [files, {}];
  }
  return copy;
}

async function service(options: { layer?: SettingsLayer; hosts?: ObjectInfo[] } = {}) {
  const sd15 = await loadOk({ name: "sd15", file: "workflows/sd15.json" }, configDir);
  const sdxl = await loadOk({ name: "sdxl", file: "workflows/sdxl.json" }, configDir);
  const lora = await shippedTemplate("sd15-lora");
  const stock = await stockObjectInfo();
  const hosts = options.hosts ?? [withLoras(stock, ["example-lora.safetensors", "add_detail.safetensors"])];
  const admitted: AdmissionRequest[] = [];
  const admit = (request: AdmissionRequest): Promise<AdmissionDecision> => {
    admitted.push(request);
    const job: QueuedJob = {
      id: "job-1",
      seq: 1,
      userId: request.userId,
      guildId: request.guildId,
      channelId: request.channelId,
      messages: [],
      workflow: request.workflow,
      request: request.request,
      params: request.params,
      priority: false,
      state: "queued",
      attempts: 0,
      requeues: 0,
      createdAt: 0,
      queuedAt: 0,
    };
    return Promise.resolve({ kind: "accepted", job, position: 0, etaMs: 1000 });
  };
  const generation = new GenerationService({
    templates: [sd15, sdxl, lora],
    settings: {
      resolve: () =>
        Promise.resolve(
          resolveEffectiveSettings(
            botSettingsDefaults({
              settings: { negativePrefix: "lowres", nsfw: "on", bannedTerms: ["gore"], ...options.layer },
            }),
            {},
          ),
        ),
    },
    queue: { admit },
    objectInfoFor: () => hosts[0],
    hostInfosFor: () => hosts,
    presets,
    logger: pino({ level: "silent" }),
    random: () => 0.25,
  });
  return { generation, admitted };
}

const input = (request: RequestInput): GenerateInput => ({
  userId: "42",
  location: { guildId: "g", channelId: "c" },
  channelNsfw: false,
  roleIds: [],
  request,
});

describe("a style through the generation service", () => {
  it("runs the template around the member's words, its negative joined, its params as defaults, and stores the name", async () => {
    const { generation, admitted } = await service();
    const outcome = await generation.generate(
      input({ prompt: "a harbour", negative: "blurry", style: "watercolor", cfg: 8 }),
    );
    expect(outcome.kind).toBe("accepted");
    expect(admitted[0]).toMatchObject({
      workflow: "sd15",
      // The member's own words and the style's name: a reroll applies the style again.
      request: { prompt: "a harbour", negative: "blurry", style: "watercolor", cfg: 8 },
      params: {
        prompt: "a harbour, watercolor painting",
        negative: "lowres, photo, 3d, blurry",
        steps: 18,
        cfg: 8,
      },
    });
  });

  it("runs on the style's workflow unless the member picks one", async () => {
    const { generation, admitted } = await service();
    await generation.generate(input({ prompt: "a cat", style: "ink" }));
    await generation.generate(input({ prompt: "a cat", style: "ink", workflow: "sd15" }));
    expect(admitted.map((request) => [request.workflow, request.params.prompt])).toEqual([
      ["sdxl", "ink drawing of a cat"],
      ["sd15", "ink drawing of a cat"],
    ]);
  });

  it("refuses a style the channel does not allow before looking at its workflow, and an unknown one", async () => {
    const { generation, admitted } = await service({
      layer: { styles: ["watercolor"], workflows: ["sd15"] },
    });
    expect(await generation.generate(input({ prompt: "a cat", style: "ink" }))).toMatchObject({
      kind: "refused",
      code: "style_not_allowed",
      message: 'The style "ink" is not allowed in this channel. Allowed: watercolor.',
    });
    expect(await generation.generate(input({ prompt: "a cat", style: "oil" }))).toMatchObject({
      kind: "refused",
      code: "bad_value",
      message: 'There is no style called "oil". Choose one of: watercolor.',
    });
    expect(admitted).toHaveLength(0);
  });

  it("says so when the style's own workflow is not allowed in the channel", async () => {
    const { generation } = await service({ layer: { workflows: ["sd15"] } });
    expect(await generation.generate(input({ prompt: "a cat", style: "ink" }))).toMatchObject({
      kind: "refused",
      code: "workflow_not_allowed",
      message:
        'The style "ink" runs on the workflow "sdxl", which is not allowed in this channel. Pick a workflow yourself (allowed here: sd15).',
    });
    // Named by the member, it is their workflow that is refused.
    expect(
      await generation.generate(input({ prompt: "a cat", style: "ink", workflow: "sdxl" })),
    ).toMatchObject({
      kind: "refused",
      message: 'The workflow "sdxl" is not allowed in this channel. Allowed here: sd15.',
    });
  });

  it("checks banned terms in the prompt drawn, naming the style that adds one", async () => {
    const { generation } = await service();
    const outcome = await generation.generate(input({ prompt: "a knight", style: "grim" }));
    expect(outcome).toMatchObject({
      kind: "refused",
      code: "banned_term",
      message:
        'The "grim" style adds a term that is not allowed in this channel. Please choose another style.',
    });
  });
});

describe("a LoRA through the generation service", () => {
  it("binds the file and the operator's strength, keeping the name in the request", async () => {
    const { generation, admitted } = await service();
    const outcome = await generation.generate(
      input({ prompt: "a cat", workflow: "sd15-lora", lora: "detail" }),
    );
    expect(outcome.kind).toBe("accepted");
    expect(admitted[0]).toMatchObject({
      request: { lora: "detail" },
      params: { lora: "add_detail.safetensors", lora_strength: 0.6 },
    });
  });

  it("takes the LoRA a style presets, on the style's workflow", async () => {
    const { generation, admitted } = await service();
    await generation.generate(input({ prompt: "a cat", style: "detailed", lora_strength: 1.2 }));
    expect(admitted[0]).toMatchObject({
      workflow: "sd15-lora",
      request: { style: "detailed", lora_strength: 1.2 },
      params: { prompt: "a cat, intricate", lora: "add_detail.safetensors", lora_strength: 1.2 },
    });
  });

  it("refuses a LoRA for a workflow without a LoRA loader, naming the workflow", async () => {
    const { generation, admitted } = await service();
    expect(
      await generation.generate(input({ prompt: "a cat", workflow: "sdxl", lora: "detail" })),
    ).toMatchObject({
      kind: "refused",
      code: "param_not_offered",
      message:
        'The workflow "sdxl" has no LoRA loader, so it cannot use the LoRA "detail". Workflows that take a LoRA here: sd15-lora.',
    });
    expect(admitted).toHaveLength(0);
  });

  it("refuses a LoRA no host running the workflow has, and checks against the host that has it", async () => {
    const stock = await stockObjectInfo();
    const without = withLoras(stock, ["example-lora.safetensors"]);
    const { generation } = await service({ hosts: [without] });
    expect(
      await generation.generate(input({ prompt: "a cat", workflow: "sd15-lora", lora: "ink" })),
    ).toMatchObject({
      kind: "refused",
      code: "bad_value",
      message:
        'The LoRA "ink" is not installed on any image server that runs "sd15-lora" right now. Pick another one, or ask the bot\'s operator.',
    });
    // The second host has it: the values are checked against that one, not refused by the first.
    const two = await service({
      hosts: [without, withLoras(stock, ["example-lora.safetensors", "ink.safetensors"])],
    });
    const outcome = await two.generation.generate(
      input({ prompt: "a cat", workflow: "sd15-lora", lora: "ink" }),
    );
    expect(outcome.kind).toBe("accepted");
    expect(two.admitted[0]?.params).toMatchObject({ lora: "ink.safetensors", lora_strength: 1 });
  });
});
