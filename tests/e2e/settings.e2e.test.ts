import { afterEach, describe, expect, it } from "vitest";
import type { InteractionAck, InteractionHandle } from "../fakes/discord/index.js";
import { MessageFlags, Permission } from "../fakes/discord/index.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";

const harnesses: BotHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0).reverse()) await harness.close();
});

/** Discord's Manage Server bit, which the fixture's roles do not hand out. */
const manageGuild = 1n << 5n;

async function ephemeralText(handle: InteractionHandle): Promise<string> {
  const ack: InteractionAck = await handle.ack();
  expect(ack.type).toBe(4);
  expect(Number(ack.data?.["flags"]) & MessageFlags.ephemeral).toBe(MessageFlags.ephemeral);
  return String(ack.data?.["content"]);
}

describe("/settings end to end", () => {
  it("bans a term for the channel, refuses it without echoing it, logs it for moderators, and keeps it across a restart", async () => {
    const first = await startBotHarness();
    harnesses.push(first);
    dumpOnFailure(first);
    const { discord, sims } = first;
    const { alice, mod } = discord.users;
    const general = discord.channels.general.id;
    const modLog = discord.channels.art.id;

    // Server scope needs Manage Server: the fixture's moderator role only has Manage Channels.
    const withoutManageGuild = discord.invokeSlash({
      name: "settings",
      subcommand: "set",
      options: { key: "modLogChannel", value: `<#${modLog}>`, scope: "server" },
      user: mod,
    });
    expect(await ephemeralText(withoutManageGuild)).toMatch(/Manage Server/);
    const setLog = discord.invokeSlash({
      name: "settings",
      subcommand: "set",
      options: { key: "modLogChannel", value: `<#${modLog}>`, scope: "server" },
      user: mod,
      memberPermissions: Permission.manageChannels | manageGuild,
    });
    expect(await ephemeralText(setLog)).toMatch(/^Updated/);

    const ban = discord.invokeSlash({
      name: "settings",
      subcommand: "ban-term",
      options: { term: "dragon" },
      user: mod,
    });
    expect(await ephemeralText(ban)).toMatch(/^Updated/);
    await discord.waitForMessage((message) => message.channelId === modLog && /dragon/.test(message.content));

    const refused = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a red dragon", workflow: "sd15" },
      user: alice,
      channelId: general,
    });
    const refusal = await ephemeralText(refused);
    expect(refusal.toLowerCase()).not.toContain("dragon");
    expect(refusal.length).toBeGreaterThan(0);
    const record = await discord.waitForMessage(
      (message) => message.channelId === modLog && message.content.includes(`<@${alice.id}>`),
    );
    expect(record.content).toMatch(/Refused \/generate/);
    expect(record.content).toContain(`<#${general}>`);
    // Nothing reached ComfyUI, and the prompt is not in any public message.
    expect(sims[0]!.stats.executions).toHaveLength(0);
    const publicInGeneral = discord.messages
      .inChannel(general)
      .filter((message) => (message.flags & MessageFlags.ephemeral) === 0);
    expect(publicInGeneral.filter((message) => /dragon/i.test(message.content))).toHaveLength(0);

    // A thread follows its parent channel's rules.
    const inThread = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a dragon in a thread", workflow: "sd15" },
      user: alice,
      channelId: discord.channels.thread.id,
    });
    expect((await ephemeralText(inThread)).toLowerCase()).not.toContain("dragon");

    // Other channels are not affected by a channel-scope ban.
    const elsewhere = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a red dragon", workflow: "sd15" },
      user: alice,
      channelId: discord.channels.art.id,
    });
    expect((await elsewhere.ack()).type).toBe(4);
    expect(Number((await elsewhere.ack()).data?.["flags"] ?? 0) & MessageFlags.ephemeral).toBe(0);
    await elsewhere.waitForReply((message) => message.attachments.length > 0, 15_000);

    await first.stopBot();
    const second = await startBotHarness({ reuse: first });
    harnesses.push(second);
    const shown = await ephemeralText(
      discord.invokeSlash({ name: "settings", subcommand: "show", user: mod, channelId: general }),
    );
    expect(shown).toMatch(/\*\*bannedTerms\*\*: [^\n]*dragon[^\n]*this channel/);
    expect(shown).toMatch(/\*\*modLogChannel\*\*: [^\n]*server/);
    const stillRefused = discord.invokeSlash({
      name: "generate",
      options: { prompt: "DRAGON at night", workflow: "sd15" },
      user: alice,
      channelId: general,
    });
    expect((await ephemeralText(stillRefused)).toLowerCase()).not.toContain("dragon");
  });

  it("refuses /settings at run time to a member without Manage Channels, even when Discord shows it", async () => {
    const harness = await startBotHarness();
    harnesses.push(harness);
    const { discord } = harness;
    const alice = discord.users.alice;
    const show = await ephemeralText(
      discord.invokeSlash({ name: "settings", subcommand: "show", user: alice }),
    );
    expect(show).toMatch(/Manage Channels/);
    expect(show).not.toMatch(/bannedTerms/);
    const ban = await ephemeralText(
      discord.invokeSlash({
        name: "settings",
        subcommand: "ban-term",
        options: { term: "cats" },
        user: alice,
      }),
    );
    expect(ban).toMatch(/Manage Channels/);
    const allowed = discord.invokeSlash({
      name: "generate",
      options: { prompt: "two cats", workflow: "sd15" },
      user: alice,
    });
    expect(Number((await allowed.ack()).data?.["flags"] ?? 0) & MessageFlags.ephemeral).toBe(0);
    await allowed.waitForReply((message) => message.attachments.length > 0, 15_000);
  });

  it("suggests a channel's banned terms, regexes included, only to members who may edit them (issue 13 item 9)", async () => {
    const harness = await startBotHarness();
    harnesses.push(harness);
    const { discord } = harness;
    const { alice, mod } = discord.users;
    for (const term of ["dragon", "/\\bgore\\w*/"]) {
      const ban = discord.invokeSlash({
        name: "settings",
        subcommand: "ban-term",
        options: { term },
        user: mod,
      });
      expect(await ephemeralText(ban)).toMatch(/^Updated/);
    }

    const forModerator = await discord.autocomplete({
      name: "settings",
      subcommand: "unban-term",
      focused: "term",
      user: mod,
    });
    expect(forModerator.map((choice) => choice["value"])).toEqual(["dragon", "/\\bgore\\w*/"]);

    // A plain member who opens the command anyway (admins can change who sees it) learns nothing.
    for (const [subcommand, focused] of [
      ["unban-term", "term"],
      ["set", "key"],
      ["set", "value"],
    ] as const) {
      const forMember = await discord.autocomplete({
        name: "settings",
        subcommand,
        focused,
        options: focused === "value" ? { key: "bannedTerms", value: "" } : {},
        user: alice,
      });
      expect(forMember, `${subcommand} ${focused}`).toEqual([]);
    }
    // Server scope asks for Manage Server, which the moderator role lacks.
    const serverScope = await discord.autocomplete({
      name: "settings",
      subcommand: "unban-term",
      focused: "term",
      options: { scope: "server" },
      user: mod,
    });
    expect(serverScope).toEqual([]);
  });
});
