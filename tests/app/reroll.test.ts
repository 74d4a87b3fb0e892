import { describe, expect, it } from "vitest";
import type { GenerateInput, GenerateOutcome } from "../../src/app/generation-service.js";
import { reroll, rerollRequest } from "../../src/app/reroll.js";
import type { ResultEntry } from "../../src/history/result-store.js";
import { botSettingsDefaults, resolveEffectiveSettings } from "../../src/moderation/effective-settings.js";
import type { SettingsLayer } from "../../src/moderation/settings-schema.js";
import type { GenerationRequest } from "../../src/request/generation-request.js";

const asked: GenerationRequest = {
  prompt: "a lighthouse at dusk",
  negative: "blurry",
  seed: 42,
  steps: 30,
  cfg: 6.5,
  aspect: "16:9",
  model: "v1-5-pruned-emaonly.safetensors",
  count: 2,
  sampler: "euler",
  scheduler: "karras",
  denoise: 0.9,
};

function entry(request: GenerationRequest = asked): ResultEntry {
  return {
    messageId: "m1",
    channelId: "c",
    guildId: "g",
    userId: "owner",
    jobId: "job-1",
    workflow: "sd15",
    request,
    params: {
      prompt: request.prompt,
      seed: 42,
      steps: 30,
      width: 704,
      height: 384,
      negative: "lowres, blurry",
    },
    createdAt: 0,
  };
}

function deps(layer: SettingsLayer = {}) {
  const calls: GenerateInput[] = [];
  const settings = resolveEffectiveSettings(botSettingsDefaults({ settings: layer }), {});
  return {
    calls,
    generation: {
      generate: (input: GenerateInput): Promise<GenerateOutcome> => {
        calls.push(input);
        return Promise.resolve({ kind: "refused", code: "disabled", message: "stop here", settings });
      },
    },
    settings: { resolve: () => Promise.resolve(settings) },
  };
}

const by = (userId: string) => ({
  userId,
  location: { guildId: "g", channelId: "c" },
  channelNsfw: false,
  roleIds: ["r1"],
});

describe("rerollRequest", () => {
  it("is the stored request with only the seed dropped", () => {
    const { seed: _seed, ...rest } = asked;
    expect(rerollRequest(entry())).toEqual({ ...rest, workflow: "sd15" });
  });

  it("pins the workflow that made the image, even when the member took the channel's default", () => {
    expect(rerollRequest(entry({ prompt: "x" }))).toEqual({ prompt: "x", workflow: "sd15" });
  });

  it("keeps the style and the LoRA by name, so they are applied again and not the prompt they made", () => {
    const styled: ResultEntry = {
      ...entry({ prompt: "a fox", style: "watercolor", lora: "detail", seed: 9 }),
      params: { prompt: "a fox, watercolor painting", lora: "add_detail.safetensors" },
    };
    expect(rerollRequest(styled)).toEqual({
      prompt: "a fox",
      style: "watercolor",
      lora: "detail",
      workflow: "sd15",
    });
  });

  it("asks again for what the member asked, not for the values built from it", () => {
    // The stored negative carries the channel's prefix; the member's own is what goes again.
    expect(rerollRequest(entry()).negative).toBe("blurry");
    expect(rerollRequest(entry())).not.toHaveProperty("width");
  });
});

describe("reroll", () => {
  it("sends the reroll request through admission for the member who rerolls, linked to the original job", async () => {
    const d = deps();
    const outcome = await reroll(d, { entry: entry(), ...by("someone") });
    expect(outcome).toMatchObject({ kind: "refused", message: "stop here" });
    expect(d.calls).toEqual([{ ...by("someone"), request: rerollRequest(entry()), rerollOf: "job-1" }]);
  });

  it("lets only the owner reroll where the channel says so", async () => {
    const d = deps({ rerollBy: "owner" });
    expect(await reroll(d, { entry: entry(), ...by("someone") })).toEqual({
      kind: "not_allowed",
      message: "Only the person who made this image can reroll it in this channel.",
    });
    expect(d.calls).toHaveLength(0);
    await reroll(d, { entry: entry(), ...by("owner") });
    expect(d.calls).toHaveLength(1);
  });
});
