import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { startBotHarness, type BotHarness, type HarnessOptions } from "./support/bot-harness.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";
import { inputOf } from "./support/input-checks.js";
import { hasPng, textOf } from "./support/message-checks.js";

const harnesses: BotHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0).reverse()) await harness.close();
});

async function start(options: HarnessOptions = {}): Promise<BotHarness> {
  const harness = await startBotHarness({
    imageWorkflows: true,
    simulator: { previewMethod: "none" },
    ...options,
  });
  harnesses.push(harness);
  dumpOnFailure(harness);
  return harness;
}

async function photo(width = 120, height = 80): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 90, g: 140, b: 220 } } })
    .jpeg()
    .toBuffer();
}

describe("/generate image:", () => {
  it("uploads the attached picture to the host unchanged and runs the image-to-image workflow", async () => {
    const harness = await start();
    const { discord } = harness;
    const picture = await photo();
    // A JPEG named .png: the bot goes by the bytes.
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "make it a painting", image: { filename: "holiday.png", bytes: picture } },
    });
    const ack = await handle.ack();
    expect(ack.type).toBe(5);
    expect((await handle.reply()).flags & 64).toBe(64);
    const done = await discord.waitForMessage(
      (message) => message.content.includes("started from an image (120×80)") && hasPng(message),
      20_000,
    );
    expect(textOf(done)).toContain("make it a painting");
    const [jobId] = harness.jobIds();
    expect(await harness.core.queue.load(jobId!)).toMatchObject({ workflow: "sd15-img2img" });
    expect((await inputOf(harness, jobId!)).equals(picture)).toBe(true);
    await handle.waitForReply((message) => message.content.startsWith("Queued: "));
  });

  it("refuses a file that is not a PNG, JPEG or WebP whatever its name, ephemerally", async () => {
    const harness = await start();
    const handle = harness.discord.invokeSlash({
      name: "generate",
      options: {
        prompt: "x",
        image: { filename: "cat.png", bytes: Buffer.from("GIF89a, or rather just text") },
      },
    });
    const answer = await handle.waitForReply((message) => message.content !== "");
    expect(answer.flags & 64).toBe(64);
    expect(answer.content).toBe(
      "That file is not a PNG, JPEG or WebP image (the bot reads the file, not its name).",
    );
    expect(harness.jobIds()).toEqual([]);
    expect(harness.sims[0]!.stats.executions).toEqual([]);
  });

  it("refuses a picture over actions.maxInputBytes without downloading it, naming the limit", async () => {
    const harness = await start({ imageWorkflows: "maxInputBytes: 2048" });
    const picture = await sharp({
      create: {
        width: 300,
        height: 300,
        channels: 3,
        background: "black",
        noise: { type: "gaussian", mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    expect(picture.length).toBeGreaterThan(2048);
    const handle = harness.discord.invokeSlash({
      name: "generate",
      options: { prompt: "x", image: { filename: "big.png", bytes: picture } },
    });
    const answer = await handle.reply();
    expect(answer.flags & 64).toBe(64);
    expect(answer.content).toBe("The image is larger than 2 KiB, the most the bot takes.");
    expect(harness.discord.requests.some((request) => request.path.includes("/ephemeral-attachments/"))).toBe(
      false,
    );
    expect(harness.jobIds()).toEqual([]);
  });

  it("refuses when the channel turned image input off, and a picture over the channel's pixel limit", async () => {
    const harness = await start({ extraYaml: "settings: { maxPixels: 5000 }" });
    const { discord } = harness;
    const tooMany = discord.invokeSlash({
      name: "generate",
      options: { prompt: "x", image: { filename: "a.jpg", bytes: await photo(100, 60) } },
    });
    const big = await tooMany.waitForReply((message) => message.content !== "");
    expect(big.content).toBe("The image is 100×60 (6000 pixels), above this channel's limit of 5000 pixels.");

    const set = discord.invokeSlash({
      name: "settings",
      subcommand: "set",
      options: { key: "imageInput", value: "no" },
      user: discord.users.mod,
    });
    await set.waitForReply((message) => message.content !== "");
    const off = discord.invokeSlash({
      name: "generate",
      options: { prompt: "x", image: { filename: "a.jpg", bytes: await photo(20, 20) } },
    });
    const refusal = await off.reply();
    expect(refusal.flags & 64).toBe(64);
    expect(refusal.content).toBe("Attached images are turned off in this channel (setting imageInput).");
    expect(harness.jobIds()).toEqual([]);
  });
});
