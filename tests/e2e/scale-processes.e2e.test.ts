import { afterEach, describe, expect, it } from "vitest";
import type { InteractionHandle } from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";
import { alive, BotProcesses, expectAllDelivered, type BotProcess } from "./support/bot-processes.js";

// Three real bot processes (src/main.ts), each running one Discord shard of three, on one Redis,
// the ComfyUI simulator and the fake Discord. The conductor is killed with SIGKILL in each round
// while jobs run; each job ends once, with its image on its own message.

let cluster: BotProcesses | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe("three bot processes on one Redis", () => {
  it("deliver every job once while the conductor is SIGKILLed each round", async () => {
    cluster = await BotProcesses.start({ shardCount: 3, sims: 1, stepMs: 120 });
    const running = cluster;
    const { discord: fake, guilds } = running;
    for (let shard = 0; shard < 3; shard++) await running.startBot(shard);
    const handles: InteractionHandle[] = [];
    const killed: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [g, guild] of guilds.entries()) {
        const members = [fake.users.alice, fake.users.bob, fake.users.mod];
        handles.push(
          fake.invokeSlash({
            name: "generate",
            user: members[(round + g) % members.length]!,
            channelId: guild.channels[0]!.id,
            options: { prompt: `round ${round} in ${guild.name}`, workflow: "sd15" },
          }),
        );
      }
      // Answered first: a process killed before it answers loses the click, as on Discord.
      for (const handle of handles.slice(-guilds.length)) await handle.reply(30_000);
      // Kill the conductor once it runs a job. Until the lease moves, it may still name the
      // process killed last round: only a live holder counts.
      let victim: BotProcess | undefined;
      await eventually(
        async () => {
          victim = await running.liveConductor();
          const { jobs } = await running.store.events.snapshot();
          return victim !== undefined && jobs.some(({ job }) => job.state === "running");
        },
        "a live conductor running a job",
        { timeoutMs: 30_000, intervalMs: 50 },
      ).catch((error: unknown) => {
        throw new Error(`no live conductor ran a job; the bots said:\n${running.account()}`, {
          cause: error,
        });
      });
      killed.push(victim!.child.pid!);
      await running.killAndRestart(victim!);
    }
    // Three different conductors died, and one live process runs each shard.
    expect(new Set(killed).size).toBe(3);
    expect(
      running.bots
        .filter(alive)
        .map((bot) => bot.shard)
        .sort(),
    ).toEqual([0, 1, 2]);
    await expectAllDelivered(running, handles);
  }, 240_000);
});
