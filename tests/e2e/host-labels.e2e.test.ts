import { afterEach, describe, expect, it } from "vitest";
import type { FakeDiscord } from "../fakes/discord/index.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Everything members were shown: every message in every state it had, and every interaction answer. */
function everythingShown(discord: FakeDiscord): string {
  const states = discord.messages.all.flatMap((message) => [message, ...message.history]);
  const shown = states.map((state) => JSON.stringify({ content: state.content, embeds: state.embeds }));
  const answers = discord.interactions.map((record) => JSON.stringify(record.ack?.data ?? {}));
  return [...shown, ...answers].join("\n");
}

describe("ComfyUI hosts as members see them (issue 13 item 15)", () => {
  it("are named by a neutral label, never their address, in progress, the result and /queue", async () => {
    harness = await startBotHarness({ simulator: { stepMs: 150 } });
    const { discord, sims } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a castle", workflow: "sd15" },
    });
    await handle.waitForReply((message) => /gpu-1/.test(message.content), 10_000);
    const queue = await discord.invokeSlash({ name: "queue" }).ack();
    expect(String(queue.data?.["content"])).toMatch(/running on gpu-1/);
    expect(String(queue.data?.["content"])).toMatch(/🟢 gpu-1 \(\d busy\)/);
    const done = await handle.waitForReply(
      (message) => message.attachments.some((attachment) => attachment.filename.endsWith(".png")),
      15_000,
    );
    expect(JSON.stringify(done.embeds)).toContain("gpu-1");

    // The simulator's host:port (the fake Discord's own CDN links are on 127.0.0.1 too, another port).
    expect(everythingShown(discord)).not.toContain(new URL(sims[0]!.url).host);
  });

  it("use the operator's own label from COMFY_URL (label=url)", async () => {
    harness = await startBotHarness({ comfyLabels: ["gpu-a"] });
    const { discord, sims } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a castle", workflow: "sd15" },
    });
    const done = await handle.waitForReply((message) => message.attachments.length > 0, 15_000);
    expect(JSON.stringify(done.embeds)).toContain("gpu-a");
    const queue = await discord.invokeSlash({ name: "queue" }).ack();
    expect(String(queue.data?.["content"])).toMatch(/🟢 gpu-a/);
    expect(everythingShown(discord)).not.toContain(new URL(sims[0]!.url).host);
  });
});
