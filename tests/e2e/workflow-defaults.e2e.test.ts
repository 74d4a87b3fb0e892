import { afterEach, describe, expect, it } from "vitest";
import { MessageFlags } from "../fakes/discord/index.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("a workflow whose own defaults exceed the bot-wide limits (issue 13 item 23)", () => {
  it("is reported at start-up and held to the limits there, so a plain /generate runs", async () => {
    // The harness's sd15 defaults to 8 steps at 512×512.
    harness = await startBotHarness({ extraYaml: "settings: { maxSteps: 6, maxPixels: 200000 }" });
    const { discord, core, logs } = harness;
    const warnings = logs.filter((line) => line["level"] === 40 && line["workflow"] === "sd15");
    expect(warnings.map((line) => line["msg"])).toEqual([
      expect.stringMatching(/sd15.*default steps 8 is above the bot-wide maxSteps of 6.*uses 6/),
      expect.stringMatching(
        /sd15.*default size 512×512 is above the bot-wide maxPixels of 200000.*uses 440×440/,
      ),
    ]);

    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a castle", workflow: "sd15" },
    });
    const ack = await handle.ack();
    expect(Number(ack.data?.["flags"] ?? 0) & MessageFlags.ephemeral).toBe(0);
    await handle.waitForReply((message) => message.attachments.length > 0, 15_000);
    const job = core.queue.get(harness.jobIds()[0]!);
    expect(job?.params).toMatchObject({ steps: 6, width: 440, height: 440 });
  });
});
