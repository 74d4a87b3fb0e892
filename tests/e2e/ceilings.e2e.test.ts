import { afterEach, describe, expect, it } from "vitest";
import type { InteractionHandle } from "../fakes/discord/index.js";
import { MessageFlags } from "../fakes/discord/index.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function ephemeralText(handle: InteractionHandle): Promise<string> {
  const ack = await handle.ack();
  expect(Number(ack.data?.["flags"] ?? 0) & MessageFlags.ephemeral).toBe(MessageFlags.ephemeral);
  return String(ack.data?.["content"]);
}

describe("the operator's ceilings on per-channel limits (issue 13 item 11)", () => {
  it("refuses a moderator who raises a limit past its ceiling, naming it, and lets them lower it", async () => {
    harness = await startBotHarness();
    const { discord } = harness;
    const role = discord.roles.moderator.id;
    const set = (key: string, value: string) =>
      ephemeralText(
        discord.invokeSlash({
          name: "settings",
          subcommand: "set",
          options: { key, value },
          user: discord.users.mod,
        }),
      );

    expect(await set("maxQueuedPerUser", "1000")).toMatch(
      /maxQueuedPerUser: 1000 is above this bot's ceiling of 10/,
    );
    expect(await set("jobsPerWindow", "1000")).toMatch(/ceiling of 20/);
    expect(await set("maxSteps", "300")).toMatch(/ceiling of 150/);
    expect(await set("maxPixels", "8192x8192")).toMatch(/ceiling of 16777216/);
    expect(await set("windowSeconds", "1")).toMatch(/windowSeconds: 1 is below this bot's floor of 30/);
    expect(await set("roleGrants", `${role}:maxQueuedPerUser=500`)).toMatch(/ceiling of 10/);
    const layer = await harness.core.settings.getLayer({
      kind: "channel",
      guildId: discord.guild.id,
      channelId: discord.channels.general.id,
    });
    expect(layer).toEqual({});

    expect(await set("maxQueuedPerUser", "10")).toMatch(/^Updated/);
    expect(await set("maxQueuedPerUser", "2")).toMatch(/^Updated/);
    expect(await set("windowSeconds", "120")).toMatch(/^Updated/);
  });

  it("holds members to the ceiling even where a stored layer or a role grant says more", async () => {
    harness = await startBotHarness({
      simulator: { stepMs: 300 },
      extraYaml: "ceilings: { maxQueuedPerUser: 4 }",
    });
    const { discord, core } = harness;
    const mod = discord.users.mod;
    // Written as an older version (or a higher ceiling) left them: far above today's ceiling.
    await core.settings.update({ kind: "server", guildId: discord.guild.id }, (layer) => ({
      ...layer,
      maxQueuedPerUser: 50,
      roleGrants: { [discord.roles.moderator.id]: { maxQueuedPerUser: 50 } },
    }));

    const answers: string[] = [];
    for (let index = 0; index < 5; index++) {
      const handle = discord.invokeSlash({
        name: "generate",
        user: mod,
        options: { prompt: `castle ${index}`, workflow: "sd15" },
      });
      const ack = await handle.ack();
      answers.push(
        Number(ack.data?.["flags"] ?? 0) & MessageFlags.ephemeral ? String(ack.data?.["content"]) : "queued",
      );
    }
    expect(answers.slice(0, 4)).toEqual(["queued", "queued", "queued", "queued"]);
    expect(answers[4]).toMatch(/You already have 4 jobs waiting/);

    const show = await ephemeralText(
      discord.invokeSlash({ name: "settings", subcommand: "show", user: mod }),
    );
    expect(show).toMatch(/\*\*maxQueuedPerUser\*\*: 4 [^\n]*capped/);
  });
});
