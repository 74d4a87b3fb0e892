import type { Job } from "../../src/queue/job.js";
import { afterEach, describe, expect, it } from "vitest";
import type { FakeUser, InteractionHandle, StoredMessage } from "../fakes/discord/index.js";
import { MessageFlags } from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";
import { hasPng, reactedBy } from "./support/message-checks.js";

/** The prompt id of the job's last attempt, if it was ever handed to ComfyUI. */
function promptIdOf(job: Job | undefined): string | undefined {
  return job !== undefined && "run" in job ? job.run?.promptId : undefined;
}

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const cancelled = (message: StoredMessage) => /Cancelled/.test(message.content);

function cancelButtonOf(message: StoredMessage): string | undefined {
  const rows = message.components as { components?: { custom_id?: string }[] }[];
  return rows.flatMap((row) => row.components ?? []).find((c) => c.custom_id?.startsWith("job:cancel:"))
    ?.custom_id;
}

describe("cancelling jobs from Discord", () => {
  it("cancels a queued job with ❌, interrupts a running one on ComfyUI, and honours the Cancel button", async () => {
    // One backend, slow steps: one job runs, one is staged in ComfyUI's queue, the rest wait.
    harness = await startBotHarness({
      simulator: { stepMs: 300 },
      extraYaml: "rateLimit: { jobsPerWindow: 20, windowSeconds: 60, maxQueuedPerUser: 10 }",
    });
    dumpOnFailure(harness);
    const { discord, sims, core } = harness;
    const sim = sims[0]!;
    const { alice, bob, mod } = discord.users;
    const generate = (user: FakeUser, prompt: string): InteractionHandle =>
      discord.invokeSlash({ name: "generate", user, options: { prompt, workflow: "sd15" } });

    const running = generate(bob, "bob runs first");
    await running.waitForReply((message) => /Running|Starting/.test(message.content), 10_000);
    const staged = generate(mod, "mod is staged next");
    await staged.reply();
    const queued = generate(alice, "alice waits in line");
    const queuedMessage = await queued.waitForReply((message) => /Queued · position/.test(message.content));
    // A member's ❌ counts once the bot has linked the job to its reply (and never adds one itself:
    // the Cancel button is on the message).
    await eventually(
      () => harness!.bot.services.jobMessages.jobForMessage(queuedMessage.id) !== undefined,
      "the bot to link the job to its reply",
    );
    expect(reactedBy(queuedMessage, "❌", discord.botUser.id)).toBe(false);
    const aliceJob = core.queue.jobsOf(alice.id)[0]!;
    expect(aliceJob.state).toBe("queued");

    // ❌ on the queued job: it leaves the line and never reaches ComfyUI.
    discord.react({
      messageId: queuedMessage.id,
      channelId: queuedMessage.channelId,
      emoji: "❌",
      user: alice,
    });
    await queued.waitForReply(cancelled);
    expect(core.queue.get(aliceJob.id)?.state).toBe("cancelled");

    // A member who owns neither job cannot cancel it with the button: ephemeral refusal.
    const runningMessage = await running.reply();
    const bobButton = cancelButtonOf(runningMessage);
    expect(bobButton).toBe(`job:cancel:${core.queue.jobsOf(bob.id)[0]!.id}`);
    const refused = discord.clickButton({ message: runningMessage, customId: bobButton!, user: alice });
    // Acknowledged at once (cancelling can wait on ComfyUI), then answered only to alice.
    expect((await refused.ack()).type).toBe(6);
    const refusal = await refused.waitForFollowup(() => true);
    expect(refusal.flags & MessageFlags.ephemeral).toBe(MessageFlags.ephemeral);
    expect(refusal.content).toMatch(/owner or a moderator/);
    expect(core.queue.get(core.queue.jobsOf(bob.id)[0]!.id)?.state).not.toBe("cancelled");

    // ❌ on the running job: ComfyUI is asked to interrupt that prompt.
    const bobJob = core.queue.jobsOf(bob.id)[0]!;
    const interrupted = new Promise<string>((resolve) =>
      sim.on("execution_interrupted", (e) => resolve(e.promptId)),
    );
    discord.react({
      messageId: runningMessage.id,
      channelId: runningMessage.channelId,
      emoji: "❌",
      user: bob,
    });
    expect(await interrupted).toBe(promptIdOf(core.queue.get(bobJob.id)));
    await running.waitForReply(cancelled);
    expect(
      sim.stats.executions.find((e) => e.promptId === promptIdOf(core.queue.get(bobJob.id)))?.outcome,
    ).toBe("interrupted");

    // The Cancel button on the next job (staged, then started once bob's stopped).
    const stagedMessage = await staged.waitForReply((message) => cancelButtonOf(message) !== undefined);
    const modJob = core.queue.jobsOf(mod.id)[0]!;
    expect(cancelButtonOf(stagedMessage)).toBe(`job:cancel:${modJob.id}`);
    const click = discord.clickButton({
      message: stagedMessage,
      customId: cancelButtonOf(stagedMessage)!,
      user: mod,
    });
    expect((await click.ack()).type).toBe(6);
    const stagedDone = await staged.waitForReply(cancelled);
    expect(cancelButtonOf(stagedDone)).toBeUndefined();
    expect(core.queue.get(modJob.id)?.state).toBe("cancelled");

    // /cancel without a job picks the member's latest unfinished one.
    const again = generate(alice, "alice tries again");
    await again.reply();
    const command = discord.invokeSlash({ name: "cancel", user: alice });
    expect((await command.ack()).type).toBe(5);
    const answer = await command.waitForReply((message) => !(message.flags & MessageFlags.loading));
    expect(answer.flags & MessageFlags.ephemeral).toBe(MessageFlags.ephemeral);
    expect(answer.content).toMatch(/^Cancelled job/);
    await again.waitForReply(cancelled);

    // Nothing was left behind: alice's prompt never ran, no result was attached anywhere.
    const ran = sim.stats.executions.map((e) => e.promptId);
    const alicePrompt = promptIdOf(core.queue.get(aliceJob.id));
    expect(alicePrompt === undefined || !ran.includes(alicePrompt)).toBe(true);
    expect(sim.stats.executions.every((e) => e.outcome !== "success")).toBe(true);
    const messages = [await running.reply(), await staged.reply(), await queued.reply(), await again.reply()];
    expect(messages.some(hasPng)).toBe(false);
  });
});
