import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { Job } from "../../src/queue/job.js";
import { openStorage } from "../../src/storage/open-storage.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { eventually } from "../support/eventually.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";
import { hasPng, textOf } from "./support/message-checks.js";

// Admission stores a job before the bot answers, and the answer's message id is stored a moment
// later. A bot stopped between the two (a SIGKILL, a power cut) leaves a job no message shows.
// The next start must still show it and post its image: it is a job the member was told about.

const harnesses: BotHarness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0).reverse()) await harness.close();
});

/** Rewrites one stored job while no bot runs, as the stop left it (here: before its message id was stored). */
async function rewriteStoredJob(dataDir: string, jobId: string, change: (job: Job) => Job): Promise<Job> {
  const storage = await openStorage({ dataDir, logger: pino({ level: "silent" }) });
  try {
    const job = await storage.jobs.get(jobId);
    if (!job) throw new Error(`job ${jobId} is not stored`);
    const changed = change(job);
    await storage.jobs.save(changed);
    return changed;
  } finally {
    await storage.close();
  }
}

describe("a job whose message id was never stored", () => {
  it("is shown and delivered on the member's original reply after a restart, with no second message", async () => {
    // ~2.8 s of steps: the job is still in ComfyUI when the first bot stops.
    const before = await startBotHarness({ simulator: { stepMs: 350 } });
    harnesses.push(before);
    const { discord } = before;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a lighthouse before the crash", workflow: "sd15" },
    });
    const reply = await handle.reply();
    const [jobId] = before.jobIds();
    await before.stopBot();
    await rewriteStoredJob(before.dataDir, jobId!, (job) => ({ ...job, messages: [] }));

    const after = await startBotHarness({ reuse: before });
    harnesses.push(after);
    dumpOnFailure(after);
    const done = await discord.waitForMessage(
      (message) => message.id === reply.id && hasPng(message),
      15_000,
    );
    expect(textOf(done)).toContain("a lighthouse before the crash");
    const shown = discord.messages
      .inChannel(reply.channelId)
      .filter((message) => textOf(message).includes("a lighthouse before the crash"));
    expect(shown.map((message) => message.id)).toEqual([reply.id]);
    // Stored as delivered a moment after Discord has the message.
    await eventually(
      async () => (await after.storage.jobs.get(jobId!))?.state === "delivered",
      "the job stored as delivered",
    );
    const stored = await after.storage.jobs.get(jobId!);
    expect(stored?.messages.map((message) => message.messageId)).toEqual([reply.id]);
  });

  it("gets a new message that mentions its member when no reply of it can be found", async () => {
    const before = await startBotHarness({ simulator: { stepMs: 350 } });
    harnesses.push(before);
    const { discord } = before;
    const { alice } = discord.users;
    const handle = discord.invokeSlash({
      name: "generate",
      user: alice,
      options: { prompt: "a harbour nobody saw queued", workflow: "sd15" },
    });
    const reply = await handle.reply();
    const [jobId] = before.jobIds();
    await before.stopBot();
    // As a job from a button leaves it: its own channel message was never posted, and there is
    // no interaction reply to look for.
    await rewriteStoredJob(before.dataDir, jobId!, ({ origin: _origin, ...job }) => ({
      ...job,
      messages: [],
    }));

    const after = await startBotHarness({ reuse: before });
    harnesses.push(after);
    dumpOnFailure(after);
    const posted = await discord.waitForMessage(
      (message) =>
        message.id !== reply.id &&
        message.channelId === reply.channelId &&
        textOf(message).includes("a harbour nobody saw queued") &&
        hasPng(message),
      15_000,
    );
    expect(posted.pinged).toEqual([alice.id]);
    // Stored as delivered a moment after Discord has the message.
    await eventually(
      async () => (await after.storage.jobs.get(jobId!))?.state === "delivered",
      "the job stored as delivered",
    );
    const stored = await after.storage.jobs.get(jobId!);
    expect(stored?.messages.map((message) => message.messageId)).toEqual([posted.id]);
  });
});
