import { afterEach, describe, expect, it } from "vitest";
import { MessageFlags } from "../fakes/discord/index.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("/queue", () => {
  it("shows a member their own jobs with place and ETA, the queue's size and the hosts, only to them", async () => {
    harness = await startBotHarness({
      simulator: { stepMs: 200 },
      extraYaml: "rateLimit: { jobsPerWindow: 20, windowSeconds: 60, maxQueuedPerUser: 10 }",
    });
    dumpOnFailure(harness);
    const { discord } = harness;
    const { alice, bob, mod } = discord.users;
    const running = discord.invokeSlash({
      name: "generate",
      user: bob,
      options: { prompt: "bob runs", workflow: "sd15" },
    });
    await running.waitForReply((message) => /Running|Starting/.test(message.content), 10_000);
    await discord
      .invokeSlash({ name: "generate", user: mod, options: { prompt: "mod staged", workflow: "sd15" } })
      .reply();
    await discord
      .invokeSlash({ name: "generate", user: alice, options: { prompt: "alice waits", workflow: "sd15" } })
      .reply();

    const ack = await discord.invokeSlash({ name: "queue", user: alice }).ack();
    const data = ack.data as { content: string; flags?: number };
    expect((data.flags ?? 0) & MessageFlags.ephemeral).toBe(MessageFlags.ephemeral);
    expect(data.content).toContain("**Your jobs**");
    expect(data.content).toMatch(/#1 in line, ready <t:\d+:R> — alice waits/);
    expect(data.content).not.toContain("bob runs");
    expect(data.content).toMatch(/\*\*Queue\*\*: 1 waiting \(1 member\), 2 on the GPUs/);
    expect(data.content).toMatch(/🟢 gpu-1 \(2 busy\)/);
  });
});
