import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SucceededJob } from "../../src/queue/job.js";
import { dataFileName } from "../../src/storage/open-storage.js";
import { rowsMentioning } from "../support/data-file-scan.js";
import { eventually } from "../support/eventually.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function finishedJob(id: string, userId: string, guildId: string): SucceededJob {
  const prompt = `secret prompt of ${userId}`;
  return {
    id,
    seq: 1,
    userId,
    guildId,
    channelId: "1",
    messages: [],
    workflow: "sd15",
    request: { prompt },
    params: { prompt },
    priority: false,
    state: "succeeded",
    run: { backend: "gpu", promptId: `p-${id}`, stagedAt: Date.now() - 4000, startedAt: Date.now() - 3000 },
    outputs: [],
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
    const { discord, storage, core } = harness;
    const { alice, bob } = discord.users;
    const file = path.join(harness.dataDir, dataFileName);
    const mentions = async (userId: string) => rowsMentioning(file, userId);
    for (const user of [alice, bob]) {
      await storage.jobs.save(finishedJob(`${user.id}-old`, user.id, discord.guild.id));
      await storage.jobs.save(finishedJob(`${user.id}-elsewhere`, user.id, "42"));
      await core.results.record({
        messageId: `9${user.id}`,
        channelId: discord.channels.general.id,
        guildId: discord.guild.id,
        userId: user.id,
        jobId: `${user.id}-old`,
        workflow: "sd15",
        request: { prompt: `secret prompt of ${user.id}` },
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
    // Two finished jobs, the running one, the result link and the rate-limit record.
    expect(await mentions(alice.id)).toHaveLength(5);

    const ask = discord.invokeSlash({ name: "forget-me", user: alice });
    const question = await ask.reply();
    expect(question.content).toMatch(/cannot be undone/);
    expect(question.content).toMatch(/Backups keep their copies until they age out: .* after 14 days/);
    const keep = discord.clickButton({
      message: question,
      customId: `forget-me:cancel:${alice.id}`,
      user: alice,
    });
    expect((await keep.ack()).type).toBe(7);
    expect(discord.messages.get(question.id)!.content).toBe("Nothing was deleted.");
    expect(await mentions(alice.id)).toHaveLength(5);

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

    await core.onIdle();
    // Nothing in the whole data file mentions Alice any more.
    expect(await mentions(alice.id)).toEqual([]);
    // Bob's records are all still there. (His queued job may be finishing meanwhile and adding
    // records of its own, so check the seeded ones by key rather than counting rows.)
    expect(await storage.jobs.get(`${bob.id}-old`)).toBeDefined();
    expect(await storage.jobs.get(`${bob.id}-elsewhere`)).toBeDefined();
    expect(await core.results.get(`9${bob.id}`)).toBeDefined();
    expect(await storage.rates.hits(bob.id)).toHaveLength(1);
  });

  it("deletes a result that is being posted during a Discord outage, and nothing writes it back", async () => {
    harness = await startBotHarness({ simulator: { stepMs: 60 } });
    const { discord, core, bot, logs } = harness;
    const { alice } = discord.users;
    const handle = discord.invokeSlash({ name: "generate", user: alice, options: { prompt: "a secret" } });
    const reply = await handle.waitForReply((message) => /step \d+\/\d+/.test(message.content), 10_000);
    // Only the job's own message fails: the /forget-me conversation still works.
    const ofTheJob = (request: { path: string }) => {
      const at = decodeURIComponent(request.path);
      return at.includes(handle.token) || at.includes(reply.id);
    };
    discord.injectError(ofTheJob, {
      status: 503,
      forMs: 3000,
    });
    await eventually(
      () => logs.some((line) => line.msg === "posting the result failed; retrying"),
      "the result to wait for Discord",
      { timeoutMs: 10_000 },
    );
    const [jobId] = harness.jobIds(alice.id);

    const ask = await discord.invokeSlash({ name: "forget-me", user: alice }).reply();
    discord.clickButton({ message: ask, customId: `forget-me:confirm:${alice.id}`, user: alice });
    await discord.waitForMessage((message) => message.id === ask.id && /^Done/.test(message.content));

    // Discord comes back; the delivery sees the member is forgotten and says so on the message.
    const marked = await discord.waitForMessage(
      (message) => message.id === reply.id && message.content.includes("forget their data"),
      15_000,
    );
    expect(marked.attachments).toEqual([]);
    expect(marked.content).not.toContain("a secret");
    expect(await core.queue.load(jobId!)).toBeUndefined();
    expect(await core.results.get(reply.id)).toBeUndefined();
    expect(await core.queue.outputsOf(jobId!)).toBeUndefined();
    expect(bot.services.jobMessages.trackedCount).toBe(0);
    expect(await rowsMentioning(path.join(harness.dataDir, dataFileName), alice.id)).toEqual([]);
  });
});
