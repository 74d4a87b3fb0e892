import { afterEach, describe, expect, it } from "vitest";
import type { InteractionHandle } from "../fakes/discord/index.js";
import { Permission, type FakeChannel, type GuildFixture } from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Discord's Manage Server bit, which the fixture's roles do not hand out. */
const manageGuild = 1n << 5n;
const otherGuildId = "1400000000000000001";
const otherChannelId = "1400000000000000002";

/** The default world plus a second server the bot is also in, with a text channel of its own. */
async function twoServers(): Promise<BotHarness> {
  return startBotHarness({
    discord: {
      guilds: (world) => {
        const elsewhere: FakeChannel = {
          id: otherChannelId,
          name: "their-log",
          type: 0,
          nsfw: false,
          parentId: null,
          position: 0,
        };
        const other: GuildFixture = {
          id: otherGuildId,
          name: "Another Guild",
          ownerId: world.users.bob.id,
          roles: [{ ...world.roles.everyone, id: otherGuildId }, world.roles.bot],
          channels: [elsewhere],
          members: world.guild.members.filter((member) => member.user.id !== world.users.alice.id),
        };
        return [world.guild, other];
      },
    },
  });
}

async function ephemeralText(handle: InteractionHandle): Promise<string> {
  const ack = await handle.ack();
  return String(ack.data?.["content"]);
}

describe("the mod log (issue 13 item 10)", () => {
  it("takes only a text channel of the same server as modLogChannel", async () => {
    harness = await twoServers();
    const { discord } = harness;
    const asAdmin = { user: discord.users.mod, memberPermissions: Permission.manageChannels | manageGuild };
    const set = (value: string) =>
      ephemeralText(
        discord.invokeSlash({
          name: "settings",
          subcommand: "set",
          options: { key: "modLogChannel", value, scope: "server" },
          ...asAdmin,
        }),
      );

    expect(await set(`<#${otherChannelId}>`)).toMatch(/text channel of this server/);
    expect(await set(discord.channels.thread.id)).toMatch(/text channel of this server/);
    expect(await set("1399999999999999999")).toMatch(/text channel of this server/);
    const layer = await harness.core.settings.getLayer({ kind: "server", guildId: discord.guild.id });
    expect(layer.modLogChannel).toBeUndefined();

    expect(await set(`<#${discord.channels.art.id}>`)).toMatch(/^Updated/);
  });

  it("skips, and logs, a stored modLogChannel that is not a text channel of the server", async () => {
    harness = await twoServers();
    const { discord, core } = harness;
    // Stored before the check existed: the server's mod log points into another server.
    await core.settings.update({ kind: "server", guildId: discord.guild.id }, (layer) => ({
      ...layer,
      modLogChannel: otherChannelId,
      bannedTerms: ["dragon"],
    }));

    const refused = discord.invokeSlash({ name: "generate", options: { prompt: "a red dragon" } });
    expect(await ephemeralText(refused)).toMatch(/not allowed/);
    await eventually(
      () =>
        harness!.logs.some((line) => line["msg"] === "mod log skipped: not a text channel of this server"),
      "the skipped mod-log post logged",
    );
    expect(discord.messages.inChannel(otherChannelId)).toEqual([]);
  });

  it("escapes members' text in mod-log lines, so a masked link stays text", async () => {
    harness = await startBotHarness();
    const { discord } = harness;
    const { alice, mod } = discord.users;
    const modLog = discord.channels.art.id;
    const asAdmin = { user: mod, memberPermissions: Permission.manageChannels | manageGuild };
    for (const [key, value] of [
      ["modLogChannel", `<#${modLog}>`],
      ["models", "v1-5-pruned-emaonly.safetensors"],
    ]) {
      const set = discord.invokeSlash({
        name: "settings",
        subcommand: "set",
        options: { key: key!, value: value!, scope: "server" },
        ...asAdmin,
      });
      expect(await ephemeralText(set)).toMatch(/^Updated/);
    }

    const link = "[free nitro](https://evil.example/claim)";
    const refused = discord.invokeSlash({
      name: "generate",
      user: alice,
      options: { prompt: "a castle", workflow: "sd15", model: link },
    });
    expect(await ephemeralText(refused)).toMatch(/not allowed/);
    const record = await discord.waitForMessage(
      (message) => message.channelId === modLog && message.content.includes("Refused /generate"),
    );
    // An escaped opening bracket is enough: Discord then shows the brackets and the URL as text.
    expect(record.content).not.toMatch(/(^|[^\\])\[free nitro\]\(/);
    expect(record.content).toContain("\\[free nitro]");

    const prefix = discord.invokeSlash({
      name: "settings",
      subcommand: "set",
      options: { key: "negativePrefix", value: `${link} <@${alice.id}>` },
      user: mod,
    });
    expect(await ephemeralText(prefix)).toMatch(/^Updated/);
    const change = await discord.waitForMessage(
      (message) => message.channelId === modLog && message.content.includes("negativePrefix"),
    );
    expect(change.content).not.toMatch(/(^|[^\\])\[free nitro\]\(/);
    expect(change.content).not.toContain(`<@${alice.id}>`);
    expect(change.content).toContain(`<#${discord.channels.general.id}>`);
  });
});
