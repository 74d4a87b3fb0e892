import { afterEach, describe, expect, it } from "vitest";
import { MessageFlags } from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";
import { simulatorIdle } from "../support/simulator-idle.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { hasPng, pngOf, reactedBy, seedOf, textOf } from "./support/message-checks.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("/generate end to end", () => {
  it("shows progress, attaches the PNG ComfyUI served, and a 🎲 from another member rerolls it in a reply", async () => {
    // Slow enough steps that the 250 ms edit interval shows some of them.
    harness = await startBotHarness({ simulator: { stepMs: 80 } });
    const { discord, sims } = harness;
    const sim = sims[0]!;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a lighthouse at dusk", workflow: "sd15" },
    });
    const ack = await handle.ack();
    expect(ack.type).toBe(4);
    const first = await handle.reply();
    expect(first.content).toMatch(/Queued/);

    const done = await handle.waitForReply(hasPng, 15_000);
    const png = pngOf(done)!;
    expect(sim.stats.executions).toHaveLength(1);
    const served = sim.viewBytes(png.filename, "comfycord");
    expect(served).toBeDefined();
    expect(Buffer.compare(png.bytes, served!)).toBe(0);
    expect(textOf(done)).toContain("lighthouse");
    // Progress was shown on the same message before the result.
    expect(done.history.some((edit) => /step \d+\/\d+/.test(textOf(edit)))).toBe(true);
    await discord.waitForMessage(
      (message) => message.id === done.id && reactedBy(message, "🎲", discord.botUser.id),
    );

    // bob (not the owner) rerolls.
    const bob = discord.users.bob;
    discord.react({ messageId: done.id, channelId: done.channelId, emoji: "🎲", user: bob });
    const link = `https://discord.com/channels/${discord.guild.id}/${done.channelId}/${done.id}`;
    const reroll = await discord.waitForMessage(
      (message) => message.id !== done.id && message.content.includes(link) && hasPng(message),
      15_000,
    );
    expect(reroll.type).toBe(19);
    const post = discord.requests.find(
      (request) =>
        request.method === "POST" &&
        decodeURIComponent(request.path).endsWith(`/channels/${done.channelId}/messages`) &&
        JSON.stringify(request.json).includes(link),
    );
    expect(
      (post?.json as { message_reference?: { message_id?: string } }).message_reference?.message_id,
    ).toBe(done.id);
    expect(reroll.content).toContain(`<@${bob.id}>`);
    expect(sim.stats.executions).toHaveLength(2);
    expect(seedOf(reroll)).toBeDefined();
    expect(seedOf(reroll)).not.toBe(seedOf(done));
    const newPng = pngOf(reroll)!;
    expect(Buffer.compare(newPng.bytes, png.bytes)).not.toBe(0);
    expect(Buffer.compare(newPng.bytes, sim.viewBytes(newPng.filename, "comfycord")!)).toBe(0);
    // The original result is untouched and the bot took bob's 🎲 back off it.
    expect(pngOf(discord.messages.get(done.id)!)?.id).toBe(png.id);
    await discord.waitForMessage((message) => message.id === done.id && !reactedBy(message, "🎲", bob.id));
  });

  it("does not run a reroll whose message Discord refused to post", async () => {
    // Slow enough that the reroll is still waiting or running when Discord refuses its message.
    harness = await startBotHarness({ simulator: { stepMs: 100 } });
    const { discord, sims, core, logs, jobIds } = harness;
    const sim = sims[0]!;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a quiet pond", workflow: "sd15" },
    });
    const done = await handle.waitForReply(hasPng, 15_000);
    await discord.waitForMessage(
      (message) => message.id === done.id && reactedBy(message, "🎲", discord.botUser.id),
    );
    discord.injectError("POST /channels/:channelId/messages", {
      status: 403,
      body: { message: "Missing Permissions", code: 50013 },
    });
    const bob = discord.users.bob;
    discord.react({ messageId: done.id, channelId: done.channelId, emoji: "🎲", user: bob });
    // Discord refuses the reroll's message...
    const refused = await discord.waitForRequest(
      (request) =>
        `${request.method} ${request.route}` === "POST /channels/:channelId/messages" &&
        request.status === 403,
    );
    expect(refused.response).toMatchObject({ code: 50013 });
    // ...so nobody could see or cancel the reroll, and the bot cancelled it...
    await eventually(() => {
      const [reroll, ...others] = jobIds(bob.id);
      expect(others).toEqual([]);
      expect(core.queue.get(reroll!)?.state).toBe("cancelled");
    }, "bob's reroll cancelled");
    // ...and logged the failure instead of losing it.
    await eventually(
      () => logs.some((line) => line["msg"] === "reaction handling failed"),
      "the failure logged",
    );
    // Once ComfyUI holds no prompt, a reroll that had reached it has ended: it must not have succeeded.
    await eventually(() => simulatorIdle(sim), "ComfyUI idle");
    expect(sim.stats.executions.filter((execution) => execution.outcome === "success")).toHaveLength(1);
  });

  it("refuses a member over the rate limit ephemerally, says when to retry, and logs the detail", async () => {
    harness = await startBotHarness({ extraYaml: "rateLimit: { jobsPerWindow: 1, windowSeconds: 60 }" });
    const { discord, logs, jobIds } = harness;
    const first = discord.invokeSlash({ name: "generate", options: { prompt: "a cat", workflow: "sd15" } });
    expect((await first.ack()).type).toBe(4);
    const before = Date.now();
    const second = discord.invokeSlash({ name: "generate", options: { prompt: "a dog", workflow: "sd15" } });
    const ack = await second.ack();
    expect(ack.type).toBe(4);
    expect(Number(ack.data?.["flags"]) & MessageFlags.ephemeral).toBe(MessageFlags.ephemeral);
    const content = String(ack.data?.["content"]);
    expect(content).toMatch(/limit of 1 image per 60 s/);
    const retryAt = /<t:(\d+):R>/.exec(content)?.[1];
    expect(retryAt).toBeDefined();
    // The window opened with the first job, so the retry time is about a minute from now.
    const retrySeconds = Number(retryAt) - Math.floor(before / 1000);
    expect(retrySeconds).toBeGreaterThan(50);
    expect(retrySeconds).toBeLessThanOrEqual(61);
    // Only the first job was admitted; the log has the detail an operator needs.
    expect(jobIds(discord.users.alice.id)).toHaveLength(1);
    const logged = logs.find((line) => line["msg"] === "admission declined");
    expect(logged).toMatchObject({ decision: "rate_limited", limit: 1, windowSeconds: 60 });
    expect(Number(logged?.["retryAfterMs"])).toBeGreaterThan(50_000);
    await first.waitForReply(hasPng, 15_000);
  });

  it("autocompletes checkpoints from the image server and setting keys for /settings", async () => {
    harness = await startBotHarness({
      simulator: {
        checkpoints: [
          "sd_xl_base_1.0.safetensors",
          "v1-5-pruned-emaonly.safetensors",
          "dreamshaper_8.safetensors",
        ],
      },
    });
    const { discord } = harness;
    const all = await discord.autocomplete({ name: "generate", focused: "model" });
    expect(all.map((choice) => choice["value"])).toEqual(
      expect.arrayContaining(["dreamshaper_8.safetensors", "v1-5-pruned-emaonly.safetensors"]),
    );
    const typed = await discord.autocomplete({
      name: "generate",
      focused: "model",
      options: { model: "dream" },
    });
    expect(typed.map((choice) => choice["value"])).toEqual(["dreamshaper_8.safetensors"]);

    const keys = await discord.autocomplete({
      name: "settings",
      subcommand: "set",
      focused: "key",
      user: discord.users.mod,
    });
    const values = keys.map((choice) => choice["value"]);
    expect(values).toEqual(expect.arrayContaining(["bannedTerms", "modLogChannel", "maxSteps", "rerollBy"]));
    const narrowed = await discord.autocomplete({
      name: "settings",
      subcommand: "set",
      focused: "key",
      options: { key: "modlog" },
      user: discord.users.mod,
    });
    expect(narrowed.map((choice) => choice["value"])).toEqual(["modLogChannel"]);
  });
});
