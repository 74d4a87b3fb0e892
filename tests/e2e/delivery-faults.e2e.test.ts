import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { simulatorIdle } from "../support/simulator-idle.js";
import { startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { editsOf, finalEditOf, hasPng, pngOf, reactedBy } from "./support/message-checks.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const originalRoute = "PATCH /webhooks/:applicationId/:token/messages/@original";
const channelRoute = "PATCH /channels/:channelId/messages/:messageId";

describe("delivering a job's message when Discord misbehaves", () => {
  it("still delivers the final image through a storm of 429s on the edit route, without piling up edits", async () => {
    harness = await startBotHarness({ simulator: { stepMs: 60 } });
    const { discord } = harness;
    const injected = 5;
    discord.inject429(originalRoute, { retryAfterSec: 0.4, count: injected });
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a storm", workflow: "sd15" },
    });
    const done = await handle.waitForReply(hasPng, 15_000);
    await finalEditOf(discord, done.id, handle.token);

    const edits = editsOf(discord, done.id, handle.token);
    const limited = edits.filter((edit) => edit.status === 429);
    const delivered = edits.filter((edit) => edit.status === 200);
    expect(limited).toHaveLength(injected);
    // Phases: starting, running (a few coalesced steps), done. A naive loop would send every step.
    expect(delivered.length).toBeGreaterThanOrEqual(2);
    expect(delivered.length).toBeLessThanOrEqual(6);
    expect(edits.length).toBe(delivered.length + injected);
    // The last edit is the one with the image: nothing older arrived after it.
    expect(delivered.at(-1)!.files.some((file) => file.name.endsWith(".png"))).toBe(true);
  });

  it("moves edits to the channel route when Discord says the interaction token has expired", async () => {
    harness = await startBotHarness({ simulator: { stepMs: 80 }, discord: { tokenTtlMs: 400 } });
    const { discord, core, jobIds } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "an hourglass", workflow: "sd15" },
    });
    const first = await handle.reply();
    const done = await discord.waitForMessage(
      (message) => message.id === first.id && hasPng(message),
      15_000,
    );
    await finalEditOf(discord, done.id, handle.token);

    const edits = editsOf(discord, done.id, handle.token);
    const refused = edits.filter((edit) => edit.route.includes("@original") && edit.status === 401);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.error?.code).toBe(50027);
    // After the refusal the bot never tries the dead token again.
    const afterRefusal = edits.slice(edits.indexOf(refused[0]!) + 1);
    expect(afterRefusal.length).toBeGreaterThan(0);
    expect(afterRefusal.every((edit) => `${edit.method} ${edit.route}` === channelRoute)).toBe(true);
    expect(afterRefusal.at(-1)!.files.some((file) => file.name.endsWith(".png"))).toBe(true);
    // The job's stored message forgot the dead token, so a restarted bot will not try it either.
    const [jobId] = jobIds();
    const stored = (await core.queue.load(jobId!))?.messages;
    expect(stored).toEqual([expect.objectContaining({ messageId: done.id })]);
    expect(stored?.[0]?.interactionToken).toBeUndefined();
    expect(pngOf(done)).toBeDefined();
  });

  it("edits through the channel route once its own clock says the 15-minute token is over", async () => {
    harness = await startBotHarness({ simulator: { stepMs: 60 }, fakeClock: true });
    const { discord } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a slow clock", workflow: "sd15" },
    });
    const first = await handle.reply();
    await handle.waitForReply((message) => /Running|Starting/.test(message.content), 10_000);
    await discord.clock.advance(15 * 60_000);
    const done = await discord.waitForMessage(
      (message) => message.id === first.id && hasPng(message),
      15_000,
    );
    await finalEditOf(discord, done.id, handle.token);
    const edits = editsOf(discord, done.id, handle.token);
    const afterAdvance = edits.filter((edit) => edit.at >= discord.clock.now() - 60_000);
    expect(afterAdvance.length).toBeGreaterThan(0);
    // No request was wasted on the expired token: the bot switched before Discord had to refuse.
    expect(edits.filter((edit) => edit.status === 401)).toHaveLength(0);
    expect(afterAdvance.every((edit) => `${edit.method} ${edit.route}` === channelRoute)).toBe(true);
    expect(afterAdvance.at(-1)!.files.some((file) => file.name.endsWith(".png"))).toBe(true);
  });

  it("finishes a job and lands its final edit across a gateway drop and resume", async () => {
    harness = await startBotHarness({ simulator: { stepMs: 60 } });
    const { discord } = harness;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a lost signal", workflow: "sd15" },
    });
    await handle.waitForReply((message) => /step \d+\/\d+/.test(message.content), 10_000);
    const connectionsBefore = discord.connections.length;
    discord.killGateway();
    // Sent while the socket is down: the resume replays it.
    const during = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a second signal", workflow: "sd15" },
    });
    const done = await handle.waitForReply(hasPng, 15_000);
    expect(pngOf(done)).toBeDefined();
    await discord.waitForGatewayFrame((frame) => frame.direction === "in" && frame.op === 6, 5000);
    expect(discord.connections.length).toBe(connectionsBefore + 1);
    expect(discord.connections.at(-1)!.path).toBe("/gateway-resume");
    await during.waitForReply(hasPng, 15_000);
    await discord.waitForMessage(
      (message) => message.id === done.id && reactedBy(message, "🎲", discord.botUser.id),
    );
  });

  it("does not run a job whose first reply missed Discord's answer window", async () => {
    harness = await startBotHarness({ simulator: { stepMs: 200 }, discord: { interactionDeadlineMs: 300 } });
    const { discord, sims, core, logs, jobIds } = harness;
    const sim = sims[0]!;
    // discord.js sleeps out the 429 and retries after the window has closed: 404 Unknown interaction.
    discord.inject429("POST /interactions/:interactionId/:token/callback", { retryAfterSec: 0.5 });
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "too late", workflow: "sd15" },
    });
    const late = await discord.waitForRequest(
      (request) => request.route.endsWith("/callback") && request.error?.code === 10062,
    );
    expect(late.status).toBe(404);
    await eventually(
      () => {
        const [jobId, ...others] = jobIds();
        expect(others).toEqual([]);
        expect(core.queue.get(jobId!)?.state).toBe("cancelled");
      },
      "the job cancelled",
      { timeoutMs: 3000 },
    );
    expect(handle.record.ack).toBeNull();
    // Discord took no answer, so the log is the only place the failure shows (written after the cancel).
    await eventually(() => logs.some((line) => line["msg"] === "interaction failed"), "the failure logged");
    // The prompt may have started on ComfyUI in the meantime. Once ComfyUI holds no prompt it has
    // ended: stopped, not finished.
    await eventually(() => simulatorIdle(sim), "ComfyUI idle");
    expect(sim.stats.executions.every((execution) => execution.outcome !== "success")).toBe(true);
  });
});
