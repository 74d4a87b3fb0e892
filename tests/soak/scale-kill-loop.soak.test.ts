import { afterEach, describe, expect, it } from "vitest";
import type { InteractionHandle } from "../fakes/discord/index.js";
import { prng } from "../scale/support/scale-cluster.js";
import { alive, BotProcesses, expectAllDelivered } from "../e2e/support/bot-processes.js";

// The kill loop of issue 16 with real processes: three bot processes (src/main.ts, one shard of
// three each) on one Redis, two ComfyUI simulators and the fake Discord. In each of 20 rounds five
// members' /generate are answered, then a random process is SIGKILLed and started again, while the
// jobs run. Every one of the 100 jobs must end once, its image on its own message.

let cluster: BotProcesses | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe("three bot processes on one Redis, one SIGKILLed every round", () => {
  it("deliver each of 100 jobs exactly once through 20 rounds", async () => {
    cluster = await BotProcesses.start({ shardCount: 3, sims: 2, stepMs: 25 });
    const running = cluster;
    const { discord: fake, guilds } = running;
    for (let shard = 0; shard < 3; shard++) await running.startBot(shard);
    const random = prng(16);
    const members = [fake.users.alice, fake.users.bob, fake.users.mod];
    const handles: InteractionHandle[] = [];
    let conductorsKilled = 0;
    for (let round = 0; round < 20; round++) {
      const thisRound: InteractionHandle[] = [];
      for (let k = 0; k < 5; k++) {
        const n = handles.length + thisRound.length;
        const guild = guilds[n % guilds.length]!;
        thisRound.push(
          fake.invokeSlash({
            name: "generate",
            user: members[n % members.length]!,
            channelId: guild.channels[0]!.id,
            options: { prompt: `job ${n}`, workflow: "sd15" },
          }),
        );
      }
      // Answered first: a process killed before it answers loses the click, as on Discord. One
      // killed right after, before it stored which message it answered with, is fine: the shard's
      // next process finds the reply through the job's stored interaction token.
      for (const handle of thisRound) await handle.reply(30_000);
      handles.push(...thisRound);
      const live = running.bots.filter(alive);
      const victim = live[Math.floor(random() * live.length)]!;
      if (victim === (await running.liveConductor())) conductorsKilled++;
      await running.killAndRestart(victim);
    }
    // Some rounds must have killed the conductor, or failover was not part of it.
    expect(conductorsKilled).toBeGreaterThan(2);
    expect(
      running.bots
        .filter(alive)
        .map((bot) => bot.shard)
        .sort(),
    ).toEqual([0, 1, 2]);
    await expectAllDelivered(running, handles);
  }, 300_000);
});
