import { RESTEvents } from "discord.js";
import type { Client, RateLimitData } from "discord.js";
import { afterEach, describe, expect, it } from "vitest";
import type { FakeDiscord } from "../fakes/discord/index.js";
import { startFakeDiscord } from "../fakes/discord/index.js";
import { onInteraction, startClient } from "./discord-client-harness.js";

const ORIGINAL = "PATCH /webhooks/:applicationId/:token/messages/@original";

describe("fake Discord: rate limits as discord.js sees them", () => {
  let discord: FakeDiscord | undefined;
  let client: Client | undefined;

  afterEach(async () => {
    await client?.destroy();
    client = undefined;
    await discord?.close();
  });

  it("sends an injected 429 on PATCH @original that discord.js waits out and retries", async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 500 });
    client = await startClient(discord);
    const limited: RateLimitData[] = [];
    client.rest.on(RESTEvents.RateLimited, (data) => limited.push(data));
    discord.inject429(ORIGINAL, { retryAfterSec: 0.3 });
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      await interaction.editReply({ content: "final" });
    });
    const handle = discord.invokeSlash({ name: "generate", options: { prompt: "x" } });
    await runs.finished();
    expect(runs.failures).toEqual([]);
    expect((await handle.reply()).content).toBe("final");
    const patches = discord.requests.filter((r) => `${r.method} ${r.route}` === ORIGINAL);
    expect(patches.map((r) => r.status)).toEqual([429, 200]);
    expect(patches[1]!.at - patches[0]!.at).toBeGreaterThanOrEqual(300);
    expect(discord.rateLimitHits).toMatchObject([
      { route: patches[0]!.route, injected: true, scope: "user" },
    ]);
    expect(limited).toHaveLength(1);
  });

  it("announces its buckets in headers so discord.js queues edits without hitting 429", async () => {
    discord = await startFakeDiscord({
      heartbeatIntervalMs: 500,
      buckets: { webhook: { limit: 2, windowMs: 300 } },
    });
    client = await startClient(discord);
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      await Promise.all([1, 2, 3, 4, 5].map((n) => interaction.editReply({ content: `step ${n}` })));
    });
    const handle = discord.invokeSlash({ name: "generate", options: { prompt: "x" } });
    await runs.finished();
    expect(runs.failures).toEqual([]);
    const reply = await handle.reply();
    expect([...reply.history.map((h) => h.content), reply.content]).toEqual([
      "",
      "step 1",
      "step 2",
      "step 3",
      "step 4",
      "step 5",
    ]);
    expect(discord.rateLimitHits).toEqual([]);
  });

  it("answers an injected 502 once, which discord.js retries", async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 500 });
    client = await startClient(discord);
    discord.injectError("POST /channels/:channelId/messages", { status: 502 });
    const channel = client.channels.cache.get(discord.channels.general.id);
    if (!channel?.isSendable()) throw new Error("general should be sendable");
    const sent = await channel.send("hello");
    expect(discord.messages.get(sent.id)?.content).toBe("hello");
    const posts = discord.requests.filter(
      (r) => r.method === "POST" && r.route === "/channels/:channelId/messages",
    );
    expect(posts.map((r) => r.status)).toEqual([502, 200]);
  });
});
