import { afterEach, describe, expect, it } from "vitest";
import type { StoredMessage } from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";
import { startBotHarness, type BotHarness, type HarnessOptions } from "./support/bot-harness.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";
import { buttonId, buttonRows, inputOf } from "./support/input-checks.js";
import { hasPng, pngOf, seedOf, textOf } from "./support/message-checks.js";

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

/** A finished `/generate` result (its buttons are on it once the image is). */
async function result(harness: BotHarness, prompt: string, extra: Record<string, string | number> = {}) {
  const handle = harness.discord.invokeSlash({
    name: "generate",
    options: { prompt, workflow: "sd15", ...extra },
  });
  return handle.waitForReply((message) => hasPng(message) && message.components.length > 0, 15_000);
}

/** The job message a pressed button (or submitted form) made, linking back to `parent`. */
async function childOf(harness: BotHarness, parent: StoredMessage, marker: string): Promise<StoredMessage> {
  const link = `https://discord.com/channels/${harness.discord.guild.id}/${parent.channelId}/${parent.id}`;
  return harness.discord.waitForMessage(
    (message) =>
      message.id !== parent.id && message.content.includes(`${marker} of ${link}`) && hasPng(message),
    20_000,
  );
}

function newestJob(harness: BotHarness): string {
  const ids = harness.jobIds();
  return ids[ids.length - 1]!;
}

describe("the buttons under a result", () => {
  it("are 🎲 Reroll, 🔀 Vary, ⬆️ Upscale, ✏️ Remix and 🗑️ Delete, and Reroll works after a restart", async () => {
    const before = await start();
    const { discord } = before;
    const done = await result(before, "a lighthouse");
    expect(buttonRows(done)).toEqual([["Reroll", "Vary", "Upscale", "Remix", "Delete"]]);
    const emoji = (done.components[0]!["components"] as { emoji?: { name: string } }[]).map(
      (b) => b.emoji?.name,
    );
    expect(emoji).toEqual(["🎲", "🔀", "⬆️", "✏️", "🗑️"]);
    await before.stopBot();

    const after = await start({ reuse: before });
    const press = discord.clickButton({
      message: done.id,
      customId: buttonId(done, "Reroll"),
      user: discord.users.bob,
    });
    const ack = await press.ack();
    expect(ack.type).toBe(5);
    expect((await press.reply()).flags & 64).toBe(64);
    const reroll = await childOf(after, done, "🎲 Reroll");
    expect(seedOf(reroll)).not.toBe(seedOf(done));
    expect(textOf(reroll)).toContain("a lighthouse");
    const job = await after.core.queue.load(newestJob(after));
    expect(job).toMatchObject({
      userId: discord.users.bob.id,
      rerollOf: (await after.storage.results.get(done.id))?.jobId,
    });
    await press.waitForReply((message) =>
      message.content.startsWith("Queued: https://discord.com/channels/"),
    );
  });

  it("vary and upscale the result's own picture after the interaction token has expired", async () => {
    const harness = await start({ fakeClock: true });
    const { discord } = harness;
    const done = await result(harness, "an old map");
    await discord.clock.advance(15 * 60_000 + 1_000);

    discord.clickButton({ message: done.id, customId: buttonId(done, "Vary") });
    const variation = await childOf(harness, done, "🔀 Variation");
    expect((await inputOf(harness, newestJob(harness))).equals(pngOf(done)!.bytes)).toBe(true);
    const varyJob = await harness.core.queue.load(newestJob(harness));
    expect(varyJob).toMatchObject({
      workflow: "sd15-img2img",
      params: { denoise: 0.55, prompt: "an old map" },
    });
    expect(hasPng(variation)).toBe(true);

    discord.clickButton({ message: done.id, customId: buttonId(done, "Upscale") });
    const upscaled = await childOf(harness, done, "⬆️ Upscale");
    expect((await inputOf(harness, newestJob(harness))).equals(pngOf(done)!.bytes)).toBe(true);
    expect((await harness.core.queue.load(newestJob(harness)))?.workflow).toBe("upscale-no-model");
    // An upscale's result offers no second upscale.
    expect(buttonRows(upscaled)[0]).not.toContain("Upscale");
  });

  it("Remix opens a form with the prompt filled in, and its submit queues a job linked to the result", async () => {
    const harness = await start();
    const { discord } = harness;
    const done = await result(harness, "a red fox", { negative: "blurry" });
    const press = discord.clickButton({ message: done.id, customId: buttonId(done, "Remix") });
    const opened = await press.ack();
    expect(opened.type).toBe(9);
    const inputs = (
      opened.data?.["components"] as { component: { custom_id: string; value?: string } }[]
    ).map((label) => [label.component.custom_id, label.component.value]);
    expect(inputs).toEqual([
      ["prompt", "a red fox"],
      ["negative", "blurry"],
      ["seed", undefined],
      ["steps", "8"],
    ]);
    const submit = discord.submitModal({
      interaction: press,
      values: { prompt: "a blue fox", seed: "1234" },
    });
    const remix = await childOf(harness, done, "✏️ Remix");
    expect(textOf(remix)).toContain("a blue fox");
    expect(seedOf(remix)).toBe("1234");
    const job = await harness.core.queue.load(newestJob(harness));
    expect(job).toMatchObject({
      request: { prompt: "a blue fox", negative: "blurry", seed: 1234, workflow: "sd15" },
      rerollOf: (await harness.storage.results.get(done.id))?.jobId,
    });
    await submit.waitForReply((message) => message.content.startsWith("Queued:"));
  });

  it("refuses someone else's press where only owners may reroll, and lets only the owner or a moderator delete", async () => {
    const harness = await start({ extraYaml: "settings: { rerollBy: owner }" });
    const { discord } = harness;
    const done = await result(harness, "a quiet pond");
    const jobsBefore = harness.jobIds().length;
    for (const label of ["Reroll", "Vary", "Upscale", "Remix"]) {
      const press = discord.clickButton({
        message: done.id,
        customId: buttonId(done, label),
        user: discord.users.bob,
      });
      const refusal = await press.reply();
      expect(refusal.flags & 64).toBe(64);
      expect(refusal.content).toMatch(/^Only the person who made this image can \w+ it in this channel\.$/);
    }
    const bobDeletes = discord.clickButton({
      message: done.id,
      customId: buttonId(done, "Delete"),
      user: discord.users.bob,
    });
    expect((await bobDeletes.reply()).content).toBe("Only the image's owner or a moderator can delete it.");
    expect(harness.jobIds()).toHaveLength(jobsBefore);
    expect(discord.messages.get(done.id)?.deleted).toBe(false);

    const modDeletes = discord.clickButton({
      message: done.id,
      customId: buttonId(done, "Delete"),
      user: discord.users.mod,
    });
    expect((await modDeletes.reply()).flags & 64).toBe(64);
    await eventually(
      () => discord.messages.getEvenDeleted(done.id)?.deleted === true,
      "the result to be deleted",
    );
    await eventually(
      async () => (await harness.storage.results.get(done.id)) === undefined,
      "its index entry to go",
    );
  });

  it("a result of four images shows one 2×2 grid with the originals, and U2 and V3 take those originals", async () => {
    const harness = await start();
    const { discord } = harness;
    const done = await result(harness, "four cats", { count: 4 });
    expect(done.attachments.map((attachment) => attachment.filename)[0]).toBe("comfycord-grid.webp");
    expect(done.attachments).toHaveLength(5);
    expect((done.embeds[0]?.["image"] as { url?: string } | undefined)?.url).toBe(done.attachments[0]!.url);
    expect(buttonRows(done)).toEqual([
      ["Reroll", "Remix", "Delete"],
      ["U1", "U2", "U3", "U4"],
      ["V1", "V2", "V3", "V4"],
    ]);
    const gridFetched = Buffer.from(await (await fetch(done.attachments[0]!.url)).arrayBuffer());
    expect(gridFetched.subarray(8, 12).toString("latin1")).toBe("WEBP");

    discord.clickButton({ message: done.id, customId: buttonId(done, "U2") });
    await childOf(harness, done, "⬆️ Upscale");
    expect((await inputOf(harness, newestJob(harness))).equals(done.attachments[2]!.bytes)).toBe(true);

    discord.clickButton({ message: done.id, customId: buttonId(done, "V3") });
    const variation = await childOf(harness, done, "🔀 Variation");
    expect(variation.content).toContain("(image 3)");
    expect((await inputOf(harness, newestJob(harness))).equals(done.attachments[3]!.bytes)).toBe(true);
  });
});
