import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { GenerationService, type GenerateInput } from "../../src/app/generation-service.js";
import type { ObjectInfo } from "../../src/comfy/object-info.js";
import { botSettingsDefaults, resolveEffectiveSettings } from "../../src/moderation/effective-settings.js";
import type { SettingsLayer } from "../../src/moderation/settings-schema.js";
import type { AdmissionDecision, AdmissionRequest } from "../../src/queue/admission.js";
import type { QueuedJob } from "../../src/queue/job.js";
import type { RequestInput } from "../../src/request/generation-request.js";
import { configDir, loadOk, stockObjectInfo } from "../workflows/test-support.js";

const channel: SettingsLayer = { negativePrefix: "lowres", bannedTerms: ["gore"], maxSteps: 40 };

async function service(options: { layer?: SettingsLayer; objectInfo?: ObjectInfo } = {}) {
  const sd15 = await loadOk(
    { name: "sd15", file: "workflows/sd15.json", defaults: { negative: "watermark", steps: 25 } },
    configDir,
  );
  const sdxl = await loadOk({ name: "sdxl", file: "workflows/sdxl.json" }, configDir);
  const objectInfo = options.objectInfo ?? (await stockObjectInfo());
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
    templates: [sd15, sdxl],
    settings: {
      resolve: () =>
        Promise.resolve(
          resolveEffectiveSettings(botSettingsDefaults({ settings: { ...channel, ...options.layer } }), {}),
        ),
    },
    queue: { admit },
    objectInfoFor: () => objectInfo,
    logger: pino({ level: "silent" }),
    random: () => 0.25,
  });
  return { generation, admitted };
}

const input = (request: RequestInput, extra: Partial<GenerateInput> = {}): GenerateInput => ({
  userId: "42",
  location: { guildId: "g", channelId: "c" },
  channelNsfw: false,
  roleIds: [],
  request,
  ...extra,
});

describe("GenerationService.generate", () => {
  it("admits the request as asked and the values built once: defaults, seed, channel negative", async () => {
    const { generation, admitted } = await service();
    const outcome = await generation.generate(
      input(
        { prompt: "a fox", aspect: "16:9", steps: 12 },
        { location: { guildId: "g", channelId: "thread", parentId: "c" } },
      ),
    );
    expect(outcome.kind).toBe("accepted");
    expect(admitted).toHaveLength(1);
    expect(admitted[0]).toMatchObject({
      userId: "42",
      guildId: "g",
      channelId: "thread",
      parentChannelId: "c",
      workflow: "sd15",
      request: { prompt: "a fox", aspect: "16:9", steps: 12 },
      params: {
        prompt: "a fox",
        // The channel's prefix and SFW terms, then the workflow's default negative.
        negative: "lowres, nsfw, nude, naked, explicit, watermark",
        seed: Math.floor(0.25 * 2 ** 53),
        steps: 12,
        width: 704,
        height: 384,
        count: 1,
      },
    });
    expect(admitted[0]!.request).not.toHaveProperty("seed");
  });

  it("keeps the member's own negative in the request and the prefixed one in the values", async () => {
    const { generation, admitted } = await service({ layer: { nsfw: "on" } });
    await generation.generate(input({ prompt: "a fox", negative: "blurry", workflow: "sdxl" }));
    expect(admitted[0]).toMatchObject({
      workflow: "sdxl",
      request: { negative: "blurry" },
      params: { negative: "lowres, blurry" },
    });
  });

  it("refuses a request outside what a member may ask for, before anything else", async () => {
    const { generation, admitted } = await service();
    const outcome = await generation.generate(input({ prompt: "a fox", steps: 0 }));
    expect(outcome).toMatchObject({
      kind: "refused",
      code: "bad_value",
      message: "Steps must be a whole number from 1 to 500.",
    });
    expect(admitted).toHaveLength(0);
  });

  it("applies the channel's limits to the workflow's defaults as well as to what was typed", async () => {
    const { generation, admitted } = await service({ layer: { maxSteps: 20 } });
    const outcome = await generation.generate(input({ prompt: "a fox" }));
    expect(outcome).toMatchObject({ kind: "refused", code: "too_many_steps" });
    expect(admitted).toHaveLength(0);
  });

  it("refuses a banned term with a mod-log line and without echoing it", async () => {
    const { generation } = await service();
    const outcome = await generation.generate(input({ prompt: "some gore" }));
    expect(outcome).toMatchObject({ kind: "refused", code: "banned_term" });
    if (outcome.kind !== "refused") return;
    expect(outcome.message).not.toContain("gore");
    expect(outcome.modLog).toContain("gore");
  });

  it("refuses a value the host does not offer, naming the choices", async () => {
    const { generation } = await service();
    const outcome = await generation.generate(input({ prompt: "a fox", sampler: "warp" }));
    expect(outcome).toMatchObject({ kind: "refused", code: "bad_value" });
    if (outcome.kind === "refused") expect(outcome.message).toMatch(/^Sampler "warp" is not available/);
  });

  it("refuses a workflow the channel does not allow", async () => {
    const { generation } = await service({ layer: { workflows: ["sdxl"] } });
    const outcome = await generation.generate(input({ prompt: "a fox", workflow: "sd15" }));
    expect(outcome).toMatchObject({ kind: "refused", code: "workflow_not_allowed" });
  });
});
