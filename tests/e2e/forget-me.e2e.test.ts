import { afterEach, describe, expect, it } from "vitest";
import { QueueStore } from "../../src/queue/queue-store.js";
import type { Job } from "../../src/queue/job.js";
import type { Store } from "../../src/store/store.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Every record of one namespace that mentions `text` anywhere (ids, owner, prompt). */
async function rowsMentioning(store: Store, namespace: string, text: string): Promise<string[]> {
  const rows = await store.sql()!<{ key: string }>(
    "SELECT key FROM keyv WHERE key > ? AND key < ? AND instr(key || value, ?) > 0",
    `${namespace}:`,
    `${namespace};`,
    text,
  );
  return rows.map((row) => row.key);
}

function finishedJob(id: string, userId: string, guildId: string): Job {
  return {
    id,
    seq: 1,
    userId,
    guildId,
    channelId: "1",
    messages: [],
    workflow: "sd15",
    params: { prompt: `secret prompt of ${userId}` },
    priority: false,
    state: "succeeded",
    attempts: 1,
    requeues: 0,
    createdAt: Date.now() - 5000,
    queuedAt: Date.now() - 5000,
    finishedAt: Date.now() - 1000,
  };
}

describe("/forget-me end to end", () => {
  it("asks first, cancels the member's running job and deletes each of their records, none of anyone else's", async () => {
    harness = await startBotHarness({ simulator: { stepMs: 200 } });
    const { discord, store, core } = harness;
    const { alice, bob } = discord.users;
    const records = new QueueStore(store, { retentionMs: 86_400_000 });
    for (const user of [alice, bob]) {
      await records.history.set(`${user.id}-old`, finishedJob(`${user.id}-old`, user.id, discord.guild.id));
      await records.history.set(`${user.id}-elsewhere`, finishedJob(`${user.id}-elsewhere`, user.id, "42"));
      await core.results.record({
        messageId: `9${user.id}`,
        channelId: discord.channels.general.id,
        guildId: discord.guild.id,
        userId: user.id,
        jobId: `${user.id}-old`,
        workflow: "sd15",
        params: { prompt: `secret prompt of ${user.id}`, seed: 1 },
        createdAt: Date.now(),
      });
    }
    // Bob waits in the queue too, so his rate-limit record and unfinished job exist.
    const running = discord.invokeSlash({
      name: "generate",
      user: alice,
      options: { prompt: "a slow sunrise" },
    });
    await running.reply();
    const waiting = discord.invokeSlash({
      name: "generate",
      user: bob,
      options: { prompt: "a slow sunset" },
    });
    await waiting.reply();
    expect(await rowsMentioning(store, "jobs", alice.id)).toHaveLength(1);
    expect(await rowsMentioning(store, "rate-limits", alice.id)).toHaveLength(1);

    const ask = discord.invokeSlash({ name: "forget-me", user: alice });
    const question = await ask.reply();
    expect(question.content).toMatch(/cannot be undone/);
    const keep = discord.clickButton({
      message: question,
      customId: `forget-me:cancel:${alice.id}`,
      user: alice,
    });
    expect((await keep.ack()).type).toBe(7);
    expect(discord.messages.get(question.id)!.content).toBe("Nothing was deleted.");
    expect(await rowsMentioning(store, "job-history", alice.id)).toHaveLength(2);

    const again = await discord.invokeSlash({ name: "forget-me", user: alice }).reply();
    discord.clickButton({ message: again, customId: `forget-me:confirm:${alice.id}`, user: alice });
    const done = await discord.waitForMessage(
      (message) => message.id === again.id && /^Done/.test(message.content),
    );
    expect(done.content).toContain("deleted 3 job records");
    expect(done.content).toContain("1 result link,");
    expect(done.content).toContain("1 rate-limit counter");
    expect(done.content).toContain("1 unfinished job was cancelled");
    expect(done.components).toEqual([]);
    expect(core.queue.jobsOf(alice.id)).toEqual([]);

    await core.queue.onIdle();
    for (const namespace of ["jobs", "job-history", "results", "rate-limits"]) {
      expect(await rowsMentioning(store, namespace, alice.id), namespace).toEqual([]);
    }
    // Bob's records are all still there. (His queued job may be finishing meanwhile and adding
    // records of its own, so check the seeded ones by key rather than counting rows.)
    expect(await records.history.get(`${bob.id}-old`)).toBeDefined();
    expect(await records.history.get(`${bob.id}-elsewhere`)).toBeDefined();
    expect(await core.results.get(`9${bob.id}`)).toBeDefined();
    expect(await rowsMentioning(store, "rate-limits", bob.id)).toHaveLength(1);
  });
});
