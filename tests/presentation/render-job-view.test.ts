import { describe, expect, it } from "vitest";
import type { JobViewState } from "../../src/presentation/job-view-state.js";
import {
  cancelButtonId,
  embedLength,
  parseCancelButtonId,
  type MessageView,
} from "../../src/presentation/message-view.js";
import { renderJobView } from "../../src/presentation/render-job-view.js";

const now = 1_800_000_000_000;
const jobId = "0b8e9a52-1b7f-4d8e-9c3a-2f6d5e4c3b2a";
const png = (n: number) => Buffer.from(`png-bytes-${n}`);

function state(overrides: Partial<JobViewState> = {}): JobViewState {
  return {
    jobId,
    phase: "queued",
    prompt: "a red fox in the snow, watercolor",
    params: {
      seed: 123456789,
      steps: 30,
      cfg: 7,
      width: 1024,
      height: 768,
      model: "sdxl_base.safetensors",
      workflow: "txt2img",
    },
    ...overrides,
  };
}

const plain = { now, previews: false, spoiler: false };

function expectWithinDiscordLimits(view: MessageView): void {
  expect(view.content.length).toBeLessThanOrEqual(2000);
  expect(view.files.length).toBeLessThanOrEqual(10);
  for (const embed of view.embeds) {
    expect(embed.title?.length ?? 0).toBeLessThanOrEqual(256);
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(4096);
    for (const field of embed.fields ?? []) {
      expect(field.name.length).toBeLessThanOrEqual(256);
      expect(field.value.length).toBeLessThanOrEqual(1024);
    }
    expect(embedLength(embed)).toBeLessThanOrEqual(6000);
  }
}

/** Outside code, no text may form a live mass mention. */
function expectNoMassMention(view: MessageView): void {
  const all = [
    view.content,
    ...view.embeds.flatMap((e) => [
      e.description ?? "",
      e.footer ?? "",
      ...(e.fields ?? []).map((f) => f.value),
    ]),
  ];
  for (const text of all) expect(text).not.toMatch(/@(everyone|here)/);
}

describe("renderJobView", () => {
  it("shows a queued job's position and a self-updating ready time", () => {
    const view = renderJobView(state({ position: 3, etaAt: now + 90_000 }), plain);
    expect(view.phase).toBe("queued");
    expect(view.content.split("\n")[0]).toBe(`⏳ Queued · position 3 · ready <t:${(now + 90_000) / 1000}:R>`);
    expect(view.content).toContain("a red fox in the snow, watercolor");
    expect(view.buttons).toEqual([{ customId: cancelButtonId(jobId), label: "Cancel", style: "danger" }]);
    expect(parseCancelButtonId(view.buttons?.[0]?.customId ?? "")).toBe(jobId);
  });

  it("does not show a countdown that has already run out", () => {
    const view = renderJobView(state({ position: 1, etaAt: now - 5000 }), plain);
    expect(view.content.split("\n")[0]).toBe("⏳ Queued · position 1 · ready any moment");
  });

  it("says which host is starting the job and that it is loading the model", () => {
    const view = renderJobView(
      state({ phase: "starting", backendLabel: "gpu-1", loadingModel: true }),
      plain,
    );
    expect(view.content.split("\n")[0]).toBe("🚀 Starting on **gpu-1** · loading model…");
    const warm = renderJobView(state({ phase: "starting", backendLabel: "gpu-1" }), plain);
    expect(warm.content).not.toContain("loading model");
  });

  it("shows the running node, a bar, the step, elapsed time and the ETA", () => {
    const view = renderJobView(
      state({
        phase: "running",
        backendLabel: "gpu-1",
        node: { title: "KSampler (Advanced)", classType: "KSamplerAdvanced" },
        step: { value: 12, max: 30 },
        startedAt: now - 65_000,
        etaAt: now + 30_000,
      }),
      plain,
    );
    const lines = view.content.split("\n");
    expect(lines[0]).toBe("🎨 Running on **gpu-1** · **KSampler (Advanced)**");
    expect(lines[1]).toBe("▰▰▰▰▱▱▱▱▱▱ step 12/30 · 40%");
    expect(lines[2]).toBe(`Elapsed 1 m 05 s · done <t:${(now + 30_000) / 1000}:R>`);
    expect(view.files).toEqual([]);
  });

  it("prefers the whole-prompt progress for the bar when ComfyUI reports it", () => {
    const view = renderJobView(
      state({ phase: "running", step: { value: 30, max: 30 }, overall: 0.5 }),
      plain,
    );
    expect(view.content).toContain("▰▰▰▰▰▱▱▱▱▱ step 30/30 · 50%");
  });

  it("attaches the live preview only when previews are on", () => {
    const preview = { bytes: Buffer.from("jpeg"), mime: "image/jpeg" };
    const running = state({ phase: "running", preview, step: { value: 1, max: 2 } });
    expect(renderJobView(running, plain).files).toEqual([]);
    const view = renderJobView(running, { ...plain, previews: true });
    expect(view.files.map((f) => [f.name, f.bytes])).toEqual([["preview.jpg", preview.bytes]]);
    expect(view.embeds[0]?.imageFile).toBe("preview.jpg");
    const hidden = renderJobView(running, { now, previews: true, spoiler: true });
    expect(hidden.files[0]?.name).toBe("SPOILER_preview.jpg");
    expect(hidden.embeds).toEqual([]);
  });

  it("shows the finished job's parameters and attaches the original images", () => {
    const images = [
      { name: "ComfyUI_00001_.png", bytes: png(1), mime: "image/png" },
      { name: "ComfyUI_00002_.png", bytes: png(2), mime: "image/png" },
    ];
    const view = renderJobView(
      state({
        phase: "done",
        backendLabel: "gpu-2",
        startedAt: now - 65_000,
        finishedAt: now,
        images,
        params: { ...state().params, count: 2 },
      }),
      plain,
    );
    expect(view.phase).toBe("done");
    expect(view.content).toBe("✅ Done in 1 m 05 s");
    const embed = view.embeds[0];
    const fields = Object.fromEntries((embed?.fields ?? []).map((f) => [f.name, f.value]));
    expect(fields).toEqual({
      Seed: "`123456789`",
      Steps: "30",
      CFG: "7",
      Size: "1024×768",
      Images: "2",
      Model: "sdxl\\_base.safetensors",
      Workflow: "txt2img",
      Host: "gpu-2",
      Duration: "1 m 05 s",
    });
    expect(embed?.description).toBe("```\na red fox in the snow, watercolor\n```");
    expect(embed?.footer).toBe(`Job ${jobId}`);
    expect(embed?.timestamp).toBe(new Date(now).toISOString());
    expect(view.files.map((f) => f.name)).toEqual(["ComfyUI_00001_.png", "ComfyUI_00002_.png"]);
    expect(view.files.map((f) => f.bytes)).toEqual([png(1), png(2)]);
    expect(embed?.imageFile).toBe("ComfyUI_00001_.png");
    expect(view.buttons).toEqual([]);
  });

  it("hides spoilered results behind SPOILER_ names and keeps them out of the embed image", () => {
    const images = [{ name: "out.png", bytes: png(1), mime: "image/png" }];
    const view = renderJobView(state({ phase: "done", images }), { ...plain, spoiler: true });
    expect(view.files.map((f) => [f.name, f.spoiler])).toEqual([["SPOILER_out.png", true]]);
    expect(view.embeds[0]?.imageFile).toBeUndefined();
  });

  it("attaches at most ten images, says so, and gives clashing or odd names safe unique ones", () => {
    const images = Array.from({ length: 12 }, (_, i) => ({
      name: i < 2 ? "same name.png" : `img ${i}`,
      bytes: png(i),
      mime: "image/png",
    }));
    const view = renderJobView(state({ phase: "done", images }), plain);
    expect(view.files).toHaveLength(10);
    expect(view.content).toContain("Showing 10 of 12 images");
    const names = view.files.map((f) => f.name);
    expect(new Set(names).size).toBe(10);
    expect(names.slice(0, 3)).toEqual(["same_name.png", "same_name-2.png", "img_2.png"]);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it("adds the conversion note to the footer", () => {
    const view = renderJobView(
      state({
        phase: "done",
        images: [{ name: "a.jpg", bytes: png(1), mime: "image/jpeg" }],
        convertedNote: "Converted to JPEG to fit the 10 MiB upload limit.",
      }),
      plain,
    );
    expect(view.embeds[0]?.footer).toBe(`Job ${jobId} · Converted to JPEG to fit the 10 MiB upload limit.`);
  });

  it("fits a huge prompt and long names inside Discord's limits in every phase", () => {
    const prompt = "masterpiece, ".repeat(1000) + "`".repeat(500);
    const long = "x".repeat(5000);
    const images = [{ name: "a.png", bytes: png(1), mime: "image/png" }];
    for (const phase of ["queued", "starting", "running", "done", "failed", "cancelled"] as const) {
      const view = renderJobView(
        state({
          phase,
          prompt,
          backendLabel: long,
          node: { title: long },
          images,
          error: { message: long },
          cancelledBy: { label: long },
          convertedNote: long,
          params: { ...state().params, model: long, workflow: long },
        }),
        plain,
      );
      expectWithinDiscordLimits(view);
    }
    const done = renderJobView(state({ phase: "done", prompt }), plain);
    expect(done.embeds[0]?.description?.endsWith("…\n```")).toBe(true);
  });

  it("keeps a prompt with backticks and mentions inside its code block, unable to ping", () => {
    const prompt = "```\n@everyone look <@123> and @here ``` and `inline`";
    for (const phase of ["queued", "done", "failed", "cancelled"] as const) {
      const view = renderJobView(state({ phase, prompt }), plain);
      const texts = phase === "done" ? [view.embeds[0]?.description ?? ""] : [view.content];
      for (const text of texts) {
        // Exactly one opening and one closing fence survive.
        expect(text.match(/```/g)).toHaveLength(2);
        expect(text).not.toMatch(/<@\d/);
      }
      expectNoMassMention(view);
    }
  });

  it("fails with a short specific message that names the job", () => {
    const view = renderJobView(
      state({
        phase: "failed",
        error: { message: "The GPU ran out of memory — try a smaller size or fewer images." },
      }),
      plain,
    );
    expect(view.content.split("\n").slice(0, 2)).toEqual([
      "❌ The GPU ran out of memory — try a smaller size or fewer images.",
      `Job \`${jobId}\``,
    ]);
    expect(view.embeds).toEqual([]);
    expect(view.files).toEqual([]);
    expect(view.buttons).toEqual([]);
    const named = renderJobView(
      state({ phase: "failed", error: { message: `Job \`${jobId}\` was cancelled.` } }),
      plain,
    );
    expect(named.content.split(jobId)).toHaveLength(2);
  });

  it("says who cancelled the job", () => {
    expect(
      renderJobView(
        state({ phase: "cancelled", cancelledBy: { userId: "123456789012345678" } }),
        plain,
      ).content.split("\n")[0],
    ).toBe("🚫 Cancelled by <@123456789012345678>");
    expect(
      renderJobView(
        state({ phase: "cancelled", cancelledBy: { label: "an operator" } }),
        plain,
      ).content.split("\n")[0],
    ).toBe("🚫 Cancelled by **an operator**");
    expect(
      renderJobView(state({ phase: "cancelled", cancelledBy: { label: "@everyone" } }), plain).content,
    ).not.toMatch(/@everyone/);
  });

  it("keeps every phase within limits for many random prompts", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ["a", " ", "`", "```", "@everyone", "<@1>", "😀", "\n", "*", "_", "é", "\\"];
    for (let n = 0; n < 200; n += 1) {
      const length = Math.floor(random() * 3000);
      let prompt = "";
      while (prompt.length < length) prompt += alphabet[Math.floor(random() * alphabet.length)];
      for (const phase of ["queued", "running", "done", "failed"] as const) {
        const view = renderJobView(state({ phase, prompt, error: { message: prompt } }), plain);
        expectWithinDiscordLimits(view);
        expectNoMassMention(view);
        // No lone surrogate left by a cut in the middle of an emoji.
        expect(view.content).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
      }
    }
  });
});

describe("a waiting job's notice", () => {
  it("tells a queued member when every image server is unreachable, and drops it once running", () => {
    const base = {
      jobId: "j1",
      prompt: "a cat",
      params: { seed: 1, steps: 20, cfg: 7, width: 512, height: 512, workflow: "sd15" },
    };
    const queued = renderJobView(
      {
        ...base,
        phase: "queued",
        position: 2,
        notice: "The image server is unreachable; your job stays queued.",
      },
      { now: 0, previews: false, spoiler: false },
    );
    expect(queued.content).toContain("⚠️ The image server is unreachable; your job stays queued.");
    const running = renderJobView(
      { ...base, phase: "running", step: { value: 1, max: 20 }, notice: "stale" },
      { now: 0, previews: false, spoiler: false },
    );
    expect(running.content).not.toContain("stale");
  });
});
