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

describe("a job that waited more than an hour", () => {
  it("continues on a fresh reply when it starts, since Discord caps edits of hour-old messages", async () => {
    // One backend with slow steps: bob's job runs while alice's waits in line.
    harness = await startBotHarness({
      simulator: { stepMs: 60 },
      fakeClock: true,
      extraYaml: "rateLimit: { jobsPerWindow: 20, windowSeconds: 60, maxQueuedPerUser: 10 }",
    });
    dumpOnFailure(harness);
    const { discord } = harness;
    const { alice, bob, mod } = discord.users;
    const first = discord.invokeSlash({
      name: "generate",
      user: bob,
      options: { prompt: "bob first", workflow: "sd15" },
    });
    await first.waitForReply((message) => /Running|Starting/.test(message.content), 10_000);
    const second = discord.invokeSlash({
      name: "generate",
      user: mod,
      options: { prompt: "mod staged", workflow: "sd15" },
    });
    await second.reply();
    const waiting = discord.invokeSlash({
      name: "generate",
      user: alice,
      options: { prompt: "alice waited an hour", workflow: "sd15" },
    });
    const original = await waiting.reply();
    expect(original.content).toMatch(/Queued/);
    await eventually(
      () => harness!.bot.services.jobMessages.jobForMessage(original.id) !== undefined,
      "the bot to link the job to its reply",
    );

    // An hour passes while alice's job waits (the bot reads the same clock).
    await discord.clock.advance(61 * 60_000);

    const fresh = await discord.waitForMessage(
      (message) =>
        message.id !== original.id &&
        message.channelId === original.channelId &&
        hasPng(message) &&
        [message.content, JSON.stringify(message.embeds), ...message.history.map((edit) => edit.content)]
          .join("\n")
          .includes("alice waited an hour"),
      30_000,
    );
    // Posted as a reply to the original, so the member can follow the thread.
    const replies = discord.requests.filter(
      (request) =>
        request.method === "POST" &&
        request.route === "/channels/:channelId/messages" &&
        (request.json as { message_reference?: { message_id?: string } } | undefined)?.message_reference
          ?.message_id === original.id,
    );
    expect(replies.length).toBeGreaterThan(0);
    // The old message stayed within Discord's cap on hour-old edits (the fake allows 3):
    // at most a queue-position update and the pointer to the new message.
    const stale = discord.messages.get(original.id)!;
    expect(stale.oldEdits).toBeLessThanOrEqual(2);
    expect(hasPng(stale)).toBe(false);
    expect(stale.content).toContain(fresh.id);
    // About 10 s here whatever the load: room for a slower machine.
  }, 60_000);
});
