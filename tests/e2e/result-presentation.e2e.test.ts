import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const isResult = (message: { attachments: { filename: string }[] }) =>
  message.attachments.some((attachment) => /\.png$/.test(attachment.filename));

describe("how results are shown and removed", () => {
  it("shows live previews, spoilers results where the channel says so, and deletes a result on its owner's ❌", async () => {
    harness = await startBotHarness({ simulator: { stepMs: 80, previewMethod: "auto" } });
    dumpOnFailure(harness);
    const { discord, core } = harness;
    const { alice, bob, mod } = discord.users;

    // Previews are on by default: some progress edit carried ComfyUI's preview frame.
    const first = discord.invokeSlash({
      name: "generate",
      user: alice,
      options: { prompt: "a preview", workflow: "sd15" },
    });
    const done = await first.waitForReply(isResult, 15_000);
    expect(done.history.some((edit) => edit.attachments.some((a) => a.filename === "preview.jpg"))).toBe(
      true,
    );
    expect(done.attachments.some((a) => a.filename === "preview.jpg")).toBe(false);

    // A moderator turns on spoilers for this channel: the next result is hidden behind one.
    const set = discord.invokeSlash({
      name: "settings",
      subcommand: "set",
      user: mod,
      options: { key: "spoilerResults", value: "yes" },
    });
    expect(((await set.ack()).data?.["content"] as string) ?? "").toMatch(/^Updated/);
    const second = discord.invokeSlash({
      name: "generate",
      user: alice,
      options: { prompt: "a secret", workflow: "sd15" },
    });
    const hidden = await second.waitForReply(
      (message) =>
        message.attachments.some((a) => a.filename.startsWith("SPOILER_") && a.filename.endsWith(".png")),
      15_000,
    );
    expect(hidden.attachments.every((a) => a.filename.startsWith("SPOILER_"))).toBe(true);

    // ❌ from someone else (no Manage Messages) does not delete it, and they are told why.
    await discord.waitForMessage(
      (message) => message.id === hidden.id && message.reactions.some((r) => r.emoji.name === "🎲"),
    );
    discord.react({ messageId: hidden.id, channelId: hidden.channelId, emoji: "❌", user: bob });
    const notice = await discord.waitForMessage(
      (message) => message.channelId === hidden.channelId && message.content.includes(`<@${bob.id}>`),
    );
    expect(notice.content).toMatch(/owner or a moderator/);
    // Named so the channel knows whom it answers, but nobody is pinged for a refused reaction.
    expect(notice.pinged).toEqual([]);
    expect(discord.messages.get(hidden.id)?.deleted).toBe(false);

    // ❌ from the owner deletes the result and forgets it for rerolls.
    discord.react({ messageId: hidden.id, channelId: hidden.channelId, emoji: "❌", user: alice });
    await eventually(
      () => expect(discord.messages.getEvenDeleted(hidden.id)?.deleted).toBe(true),
      "the result message deleted",
    );
    await eventually(
      async () => expect(await core.results.get(hidden.id)).toBeUndefined(),
      "the result forgotten for rerolls",
    );
  });

  it("sends each result image with the prompt as its alt text (Discord's attachment description)", async () => {
    harness = await startBotHarness();
    const { discord } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a lighthouse at dusk", workflow: "sd15", count: 2 },
    });
    const done = await handle.waitForReply(isResult, 15_000);
    const images = done.attachments.filter((attachment) => /\.png$/.test(attachment.filename));
    expect(images).toHaveLength(2);
    for (const image of images) expect(image.description).toBe("a lighthouse at dusk");
  });
});
