import { afterEach, describe, expect, it } from "vitest";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("/generate end to end", () => {
  it("answers at once with the queue state, shows progress, and attaches the PNG ComfyUI saved", async () => {
    // Slow enough steps that the 250 ms edit interval shows some of them.
    harness = await startBotHarness({ simulator: { stepMs: 80 } });
    const { discord, sims } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a lighthouse at dusk", workflow: "sd15" },
    });
    const ack = await handle.ack();
    expect(ack.type).toBe(4);
    const first = await handle.reply();
    expect(first.content).toMatch(/Queued/);

    const done = await handle.waitForReply(
      (message) => message.attachments.some((a) => a.filename.endsWith(".png")),
      15_000,
    );
    const png = done.attachments.find((attachment) => attachment.filename.endsWith(".png"))!;
    const saved = sims[0]!.stats.executions.length;
    expect(saved).toBe(1);
    const served = sims[0]!.viewBytes(png.filename, "comfycord");
    expect(served).toBeDefined();
    expect(Buffer.compare(png.bytes, served!)).toBe(0);
    expect(JSON.stringify(done.embeds)).toContain("lighthouse");
    // Progress was shown on the same message before the result.
    expect(
      done.history.some((edit) => /step \d+\/\d+/.test(edit.content + JSON.stringify(edit.embeds))),
    ).toBe(true);
    await discord.waitForMessage(
      (message) => message.id === done.id && message.reactions.some((r) => r.emoji.name === "🎲"),
    );
  });
});
