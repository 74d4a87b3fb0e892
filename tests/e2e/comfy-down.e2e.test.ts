import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";
import { hasPng } from "./support/message-checks.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("when the image server is down", () => {
  it("says so on the job's message, keeps the job queued, and runs it once ComfyUI is back", async () => {
    harness = await startBotHarness();
    dumpOnFailure(harness);
    const { discord, sims, core } = harness;
    const sim = sims[0]!;
    await sim.crash();
    await eventually(
      () => core.pool.backends.every((backend) => !backend.health.online),
      "every backend offline",
    );

    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "patience", workflow: "sd15" },
    });
    const first = await handle.reply();
    expect(first.content).toMatch(/Queued/);
    expect(first.content).toContain("image server is unreachable; your job stays queued");

    await sim.restart();
    const done = await handle.waitForReply(hasPng, 30_000);
    expect(done.id).toBe(first.id);
    expect(done.content).not.toContain("unreachable");
  });
});
