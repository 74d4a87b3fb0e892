import type { Client } from "discord.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeDiscord } from "../fakes/discord/index.js";
import { startFakeDiscord } from "../fakes/discord/index.js";
import { onInteraction, startClient } from "./discord-client-harness.js";

describe("fake Discord: gateway faults and resume", () => {
  let discord: FakeDiscord;
  let client: Client | undefined;

  beforeEach(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 400 });
  });

  afterEach(async () => {
    await client?.destroy();
    client = undefined;
    await discord.close();
  });

  async function pingHandled(): Promise<void> {
    const handle = discord.invokeSlash({ name: "ping" });
    expect((await handle.reply(5000)).content).toBe("pong");
  }

  it("resumes at resume_gateway_url after a TCP drop and replays an interaction sent during the gap", async () => {
    client = await startClient(discord);
    const runs = onInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply({ content: "pong" });
    });
    discord.killGateway();
    await pingHandled();
    expect(runs.failures).toEqual([]);
    expect(discord.connections.map((c) => c.path)).toEqual(["/gateway", "/gateway-resume"]);
    expect(discord.connections[0]?.closeCode).toBe(1006);
    const resume = discord.gatewayFrames.find((f) => f.direction === "in" && f.op === 6);
    expect(resume?.d).toMatchObject({ session_id: discord.connections[0]?.sessionId });
    expect(discord.gatewayFrames.filter((f) => f.direction === "in" && f.op === 2)).toHaveLength(1);
    const delivered = discord.gatewayFrames.filter(
      (f) => f.direction === "out" && f.t === "INTERACTION_CREATE",
    );
    expect(delivered.map((f) => f.connectionId)).toEqual([2]);
  });

  it("resumes after op 7 RECONNECT and after a zombie connection without heartbeat ACKs", async () => {
    client = await startClient(discord);
    onInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply({ content: "pong" });
    });
    discord.sendReconnect();
    await discord.waitForGatewayFrame((f) => f.t === "RESUMED");
    await pingHandled();

    discord.setHeartbeatAck(false);
    const zombieClosed = discord.waitForGatewayFrame(
      (f) => f.direction === "in" && f.op === 6 && f.connectionId === 3,
    );
    await zombieClosed;
    discord.setHeartbeatAck(true);
    await pingHandled();
    expect(discord.connections[1]?.closeCode).toBe(4200);
    expect(discord.connections.slice(1).every((c) => c.path === "/gateway-resume")).toBe(true);
  });

  it("resumes after close 4000 and after a resumable op 9, replaying what was missed", async () => {
    client = await startClient(discord);
    const runs = onInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply({ content: "pong" });
    });
    discord.closeGateway(4000);
    await pingHandled();
    await discord.invalidateSession(true);
    await pingHandled();
    expect(runs.failures).toEqual([]);
    expect(discord.connections[0]?.closeCode).toBe(4000);
    const resumed = discord.gatewayFrames.filter((f) => f.direction === "out" && f.t === "RESUMED");
    expect(resumed).toHaveLength(2);
    expect(discord.gatewayFrames.filter((f) => f.direction === "in" && f.op === 2)).toHaveLength(1);
  });
});
