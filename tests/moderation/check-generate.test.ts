import { describe, expect, it } from "vitest";
import { checkGenerate, type GenerateCheck, type RefusalCode } from "../../src/moderation/check-generate.js";
import { describeRefusalForModLog } from "../../src/presentation/describe-refusal.js";
import { botSettingsDefaults, type SettingValues } from "../../src/moderation/effective-settings.js";
import type { SettingsLayer } from "../../src/moderation/settings-schema.js";

const channel: SettingsLayer = {
  bannedTerms: ["gore", "/blood(y|bath)/"],
  maxSteps: 40,
  maxWidth: 1536,
  maxHeight: 1536,
  maxPixels: 1024 * 1024,
  maxCount: 2,
  workflows: ["sdxl", "flux"],
  models: ["a.safetensors"],
  negativePrefix: "lowres",
  sfwNegative: "nsfw",
};
const settings = (overrides: SettingsLayer = {}): SettingValues =>
  botSettingsDefaults({ settings: { ...channel, ...overrides } });
/** What the member typed and what will run, given the same values (the workflow adds nothing here). */
interface Asked {
  prompt?: string;
  negative?: string;
  steps?: number;
  width?: number;
  height?: number;
  count?: number;
  model?: string;
  workflow?: string;
  nsfw?: boolean;
}
const request = ({ workflow = "sdxl", nsfw, ...values }: Asked = {}): GenerateCheck => {
  const asked = { prompt: "a cat on a sofa", ...values };
  return { request: asked, params: asked, workflow, ...(nsfw === undefined ? {} : { nsfw }) };
};
const sfw = { channelNsfw: false };

// [case, request, settings, channel is age-restricted, refusal code, user message]
const refusals: [string, GenerateCheck, SettingValues, boolean, RefusalCode, string][] = [
  [
    "generation off",
    request(),
    settings({ enabled: false }),
    false,
    "disabled",
    "Image generation is turned off in this channel.",
  ],
  [
    "banned word in the prompt",
    request({ prompt: "lots of G.O.R.E" }),
    settings(),
    false,
    "banned_term",
    "Your prompt contains a term that is not allowed in this channel. Please rephrase it.",
  ],
  [
    "banned regex in the negative",
    request({ negative: "bloodbath" }),
    settings(),
    false,
    "banned_term",
    "Your negative prompt contains a term that is not allowed in this channel. Please rephrase it.",
  ],
  [
    "workflow outside the list",
    request({ workflow: "video" }),
    settings(),
    false,
    "workflow_not_allowed",
    'The workflow "video" is not allowed in this channel. Allowed: sdxl, flux.',
  ],
  [
    "model outside the list",
    request({ model: "b.safetensors" }),
    settings(),
    false,
    "model_not_allowed",
    'The model "b.safetensors" is not allowed in this channel. Allowed: a.safetensors.',
  ],
  [
    "too many steps",
    request({ steps: 80 }),
    settings(),
    false,
    "too_many_steps",
    "Steps 80 is above this channel's limit of 40.",
  ],
  [
    "too wide",
    request({ width: 2048, height: 512 }),
    settings(),
    false,
    "too_large",
    "Width 2048 is above this channel's limit of 1536 pixels.",
  ],
  [
    "too tall",
    request({ width: 512, height: 1600 }),
    settings(),
    false,
    "too_large",
    "Height 1600 is above this channel's limit of 1536 pixels.",
  ],
  [
    "too many pixels",
    request({ width: 1536, height: 1024 }),
    settings(),
    false,
    "too_large",
    "1536×1024 is 1572864 pixels, above this channel's limit of 1048576 (for example 1024×1024 fits).",
  ],
  [
    "too many images",
    request({ count: 4 }),
    settings(),
    false,
    "too_many_images",
    "4 images is above this channel's limit of 2 per request.",
  ],
  [
    "nsfw asked in a normal channel",
    request({ nsfw: true }),
    settings(),
    false,
    "nsfw_not_allowed",
    "NSFW images are only allowed in age-restricted channels.",
  ],
  [
    "nsfw asked where it is off",
    request({ nsfw: true }),
    settings({ nsfw: "off" }),
    true,
    "nsfw_not_allowed",
    "NSFW images are not allowed here.",
  ],
];

describe("generate verdicts", () => {
  it.each(refusals)("refuses: %s", (_name, req, values, channelNsfw, reason, message) => {
    const verdict = checkGenerate(req, values, { channelNsfw });
    expect(verdict).toMatchObject({ ok: false, reason, message });
  });

  it("never echoes the banned term to the user but keeps it in the detail", () => {
    const verdict = checkGenerate(request({ prompt: "some gore here" }), settings(), sfw);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.message).not.toMatch(/gore/i);
    expect(verdict.detail).toBe('matched "gore" in the prompt');
    expect(describeRefusalForModLog(verdict, { userId: "42", channelId: "7" })).toBe(
      'Refused /generate from <@42> (42) in <#7>: banned_term, matched "gore" in the prompt',
    );
  });

  it("accepts values exactly at the limits", () => {
    const verdict = checkGenerate(
      request({ steps: 40, width: 1024, height: 1024, count: 2, model: "a.safetensors" }),
      settings(),
      sfw,
    );
    expect(verdict.ok).toBe(true);
  });

  it("prepends the channel prefix and the SFW terms to the negative where NSFW is not allowed", () => {
    const verdict = checkGenerate(request({ negative: "blurry" }), settings(), sfw);
    expect(verdict).toMatchObject({
      ok: true,
      nsfwAllowed: false,
      negative: "lowres, nsfw, blurry",
    });
  });

  it("allows NSFW in an age-restricted channel when following the channel, without the SFW terms", () => {
    const verdict = checkGenerate(request({ nsfw: true }), settings(), { channelNsfw: true });
    expect(verdict).toMatchObject({
      ok: true,
      nsfwAllowed: true,
      negative: "lowres",
    });
  });

  it("allows NSFW anywhere when the setting is on", () => {
    expect(checkGenerate(request(), settings({ nsfw: "on" }), sfw)).toMatchObject({
      ok: true,
      nsfwAllowed: true,
    });
    expect(checkGenerate(request(), settings({ nsfw: "off" }), { channelNsfw: true })).toMatchObject({
      ok: true,
      nsfwAllowed: false,
    });
  });

  it("holds the member's style to the channel's list of styles, empty meaning all", () => {
    const styled = (style: string): GenerateCheck => ({
      request: { prompt: "a cat", style },
      params: { prompt: "a cat, watercolor" },
      workflow: "sdxl",
    });
    expect(checkGenerate(styled("anime"), settings({ styles: ["watercolor"] }), sfw)).toMatchObject({
      ok: false,
      reason: "style_not_allowed",
      message: 'The style "anime" is not allowed in this channel. Allowed: watercolor.',
    });
    expect(checkGenerate(styled("watercolor"), settings({ styles: ["watercolor"] }), sfw).ok).toBe(true);
    expect(checkGenerate(styled("anime"), settings({ styles: [] }), sfw).ok).toBe(true);
  });

  it("looks for banned terms in the prompt drawn, and says so when the style's template adds one", () => {
    const check: GenerateCheck = {
      request: { prompt: "a knight", style: "grim" },
      params: { prompt: "a knight, gore, dark fantasy" },
      workflow: "sdxl",
    };
    const verdict = checkGenerate(check, settings(), sfw);
    expect(verdict).toMatchObject({
      ok: false,
      reason: "banned_term",
      message:
        'The "grim" style adds a term that is not allowed in this channel. Please choose another style.',
      detail: 'matched "gore" in the prompt with the style grim',
    });
    // The member's own words are named as theirs, style or not.
    const own = checkGenerate(
      { ...check, request: { prompt: "a gore knight", style: "grim" } },
      settings(),
      sfw,
    );
    expect(own).toMatchObject({
      ok: false,
      message: "Your prompt contains a term that is not allowed in this channel. Please rephrase it.",
    });
  });

  it("treats empty workflow and model lists as allowing all", () => {
    const verdict = checkGenerate(
      request({ workflow: "video", model: "z" }),
      settings({ workflows: [], models: [] }),
      sfw,
    );
    expect(verdict.ok).toBe(true);
  });

  it("applies the channel's limits to the values that will run, the workflow's defaults included", () => {
    const verdict = checkGenerate(
      { request: { prompt: "a cat" }, params: { prompt: "a cat", steps: 80, count: 1 }, workflow: "sdxl" },
      settings(),
      sfw,
    );
    expect(verdict).toMatchObject({
      ok: false,
      reason: "too_many_steps",
      message: "Steps 80 is above this channel's limit of 40.",
    });
  });

  it("looks for banned terms in the member's own words, not in the prefixes the built negative carries", () => {
    const verdict = checkGenerate(
      {
        request: { prompt: "a cat" },
        params: { prompt: "a cat", negative: "gore, lowres" },
        workflow: "sdxl",
      },
      settings(),
      sfw,
    );
    expect(verdict.ok).toBe(true);
  });

  it("builds the negative from the channel's prefix, the SFW terms and the built negative (the workflow's default when the member gave none)", () => {
    const verdict = checkGenerate(
      { request: { prompt: "a cat" }, params: { prompt: "a cat", negative: "watermark" }, workflow: "sdxl" },
      settings(),
      sfw,
    );
    expect(verdict).toMatchObject({ ok: true, negative: "lowres, nsfw, watermark" });
  });

  it("uses the user's message in the mod log when there is no detail", () => {
    const verdict = checkGenerate(request({ steps: 99 }), settings(), sfw);
    if (verdict.ok) throw new Error("expected a refusal");
    expect(describeRefusalForModLog(verdict, { userId: "42", channelId: "7" })).toBe(
      "Refused /generate from <@42> (42) in <#7>: too_many_steps, Steps 99 is above this channel's limit of 40.",
    );
  });

  it("does no text work at all when the channel bans no term", () => {
    // A megabyte of ordinary words: folding and splitting it takes tens of milliseconds, skipping it nothing.
    const prompt = "a lighthouse at dusk, oil painting, ".repeat(30_000);
    const values = settings({ bannedTerms: [] });
    let fastest = Infinity;
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const verdict = checkGenerate(request({ prompt, negative: prompt }), values, sfw);
      fastest = Math.min(fastest, performance.now() - started);
      expect(verdict.ok).toBe(true);
    }
    expect(fastest).toBeLessThan(2);
  });
});
