import { DiscordAPIError, GatewayIntentBits, SlashCommandBuilder } from "discord.js";
import type { Client } from "discord.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeDiscord } from "../fakes/discord/index.js";
import { startFakeDiscord } from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";
import { startClient } from "./discord-client-harness.js";

describe("fake Discord: login and command registration with the real discord.js client", () => {
  let discord: FakeDiscord;
  let client: Client | undefined;

  beforeEach(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 500 });
  });

  afterEach(async () => {
    await client?.destroy();
    client = undefined;
    await discord.close();
  });

  it("reaches clientReady quickly with the guild, its channels and members cached", async () => {
    const started = Date.now();
    client = await startClient(discord);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(client.user?.id).toBe(discord.botUser.id);
    expect(client.application?.id).toBe(discord.applicationId);
    const guild = client.guilds.cache.get(discord.guild.id);
    expect(guild?.name).toBe(discord.guild.name);
    const art = client.channels.cache.get(discord.channels.art.id);
    const general = client.channels.cache.get(discord.channels.general.id);
    expect(art && "nsfw" in art ? art.nsfw : undefined).toBe(true);
    expect(general && "nsfw" in general ? general.nsfw : undefined).toBe(false);
    const thread = client.channels.cache.get(discord.channels.thread.id);
    expect(thread?.isThread() ? thread.parentId : undefined).toBe(discord.channels.general.id);
    expect(guild?.members.cache.get(discord.users.mod.id)?.roles.cache.has(discord.roles.moderator.id)).toBe(
      true,
    );
    const identify = discord.gatewayFrames.find((f) => f.direction === "in" && f.op === 2);
    expect(identify).toBeDefined();
    expect(discord.connections[0]?.path).toBe("/gateway");
  });

  it("bulk-overwrites global and guild commands and keeps ids stable across overwrites", async () => {
    client = await startClient(discord);
    const generate = new SlashCommandBuilder()
      .setName("generate")
      .setDescription("Make an image")
      .addStringOption((o) =>
        o.setName("prompt").setDescription("What to draw").setRequired(true).setMaxLength(1000),
      )
      .addIntegerOption((o) =>
        o.setName("steps").setDescription("Sampler steps").setMinValue(1).setMaxValue(50),
      );
    const first = await client.application!.commands.set([generate.toJSON()]);
    const second = await client.application!.commands.set([generate.toJSON()]);
    expect([...second.keys()]).toEqual([...first.keys()]);
    expect(discord.commands().map((c) => c["name"])).toEqual(["generate"]);
    await client.application!.commands.set([generate.toJSON()], discord.guild.id);
    expect(discord.commands(discord.guild.id)).toHaveLength(1);
    const put = await discord.waitForRequest(
      (r) => r.method === "PUT" && r.route.endsWith("/guilds/:guildId/commands"),
    );
    expect(put.status).toBe(200);
  });

  it("rejects invalid command definitions with 400/50035 naming the field", async () => {
    client = await startClient(discord);
    const tooLong = { name: "x".repeat(33), description: "d" };
    const badOrder = {
      name: "ok",
      description: "d",
      options: [
        { type: 3, name: "a", description: "a" },
        { type: 3, name: "b", description: "b", required: true },
      ],
    };
    const upper = { name: "Generate", description: "d" };
    for (const command of [tooLong, badOrder, upper]) {
      const error: unknown = await client.application!.commands.set([command]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiscordAPIError);
      expect((error as DiscordAPIError).code).toBe(50035);
      expect((error as DiscordAPIError).status).toBe(400);
    }
    expect(discord.commands()).toEqual([]);
  });

  it("closes with 4014 when the app asks for a privileged intent it was not granted", async () => {
    await discord.close();
    discord = await startFakeDiscord({ allowedPrivilegedIntents: 0 });
    const error: unknown = await startClient(discord, {
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.MessageContent],
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/disallowed intents/i);
    await eventually(
      () => expect(discord.connections[0]?.closeCode).toBe(4014),
      "the gateway closed with 4014",
    );
  });
});
