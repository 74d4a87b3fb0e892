/**
 * Discord figures: 100 concurrent `/generate` jobs from 50 members across 10 channels, through the
 * real discord.js client against the fake Discord (its default per-route buckets: 5 edits / 2 s per
 * interaction token, 5 / 5 s per channel for channel messages, 1 / 250 ms per channel for reactions,
 * 50 / s global) and two ComfyUI simulators. The bot runs with the production edit pacing
 * (`config/defaults.ts`). Run: `npx tsx bench/discord-bench.ts` or `npm run bench -- discord`.
 *
 * How the latencies are measured (everything runs in this process, so one clock):
 * - progress_to_edit_ms: for each `progress` event the bot's queue emits (the moment the bot has
 *   the simulator's `progress` frame; on loopback that is within a millisecond or so of the send),
 *   the time until the fake Discord received the first edit of that job's message showing that
 *   step or a later one (or the final state). Steps coalesced away count until the edit that
 *   superseded them, so this is "how stale the message can be", not "time per request".
 * - success_to_upload_ms: simulator `execution_success` (its own timestamp) to the arrival of the
 *   edit that carries the job's PNG; success_to_image_in_bot_ms is the share spent before the
 *   queue's `succeeded` event (outputs fetched), the rest is edit pacing and the upload itself.
 * Jobs are told apart by a unique marker in each prompt, which every edit repeats.
 */
import { rm } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import type {
  FakeChannel,
  FakeMember,
  FakeUser,
  GuildFixture,
  RecordedRequest,
} from "../tests/fakes/discord/index.js";
import { startBotHarness } from "../tests/e2e/support/bot-harness.js";

const jobCount = 100;
const channelCount = 10;
const memberCount = 50;
const stepMs = 50;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

const marker = (index: number) => `bench-job-${String(index).padStart(3, "0")}-end`;

/** The default guild with ten text channels and fifty members (ids derived from the guild's). */
function benchGuild(guild: GuildFixture): GuildFixture {
  const base = BigInt(guild.id);
  const channels: FakeChannel[] = Array.from({ length: channelCount }, (_, index) => ({
    id: String(base + 10_000n + BigInt(index)),
    name: `bench-${index}`,
    type: 0,
    nsfw: false,
    parentId: null,
    position: index,
  }));
  const joinedAt = guild.members[0]?.joinedAt ?? new Date().toISOString();
  const members: FakeMember[] = Array.from({ length: memberCount }, (_, index) => {
    const user: FakeUser = {
      id: String(base + 20_000n + BigInt(index)),
      username: `member${index}`,
      global_name: `member${index}`,
      discriminator: "0",
      avatar: null,
    };
    return { user, roleIds: [], joinedAt };
  });
  return { ...guild, channels: [...guild.channels, ...channels], members: [...guild.members, ...members] };
}

/** The JSON body of a recorded request, whether sent as JSON or as multipart `payload_json`. */
function bodyText(request: RecordedRequest): string {
  if (request.json !== undefined) return JSON.stringify(request.json);
  return request.fields["payload_json"] ?? "";
}

function shownStep(text: string): number | undefined {
  const match = /step (\d+)\/\d+/.exec(text);
  return match ? Number(match[1]) : undefined;
}

export async function runDiscordBench(): Promise<Record<string, number>> {
  let guild: GuildFixture | undefined;
  const harness = await startBotHarness({
    backends: 2,
    simulator: { stepMs, previewMethod: "none" },
    discord: {
      heartbeatIntervalMs: 5000,
      guilds: (world) => {
        guild = benchGuild(world.guild);
        return [guild];
      },
    },
    discordYaml: "discord: {}",
    extraYaml: [
      "rateLimit: { jobsPerWindow: 100, windowSeconds: 60, maxQueuedPerUser: 100 }",
      "queue: { maxSize: 1000 }",
    ].join("\n"),
    logLevel: "warn",
  });
  const { discord, sims, core } = harness;
  try {
    const benchChannels = guild!.channels.filter((channel) => channel.name.startsWith("bench-"));
    const benchMembers = guild!.members.slice(-memberCount).map((member) => member.user);

    // Bot-side receipt of each progress frame, per job marker.
    const jobMarker = new Map<string, string>();
    const succeededAt = new Map<string, number>();
    const progress: { marker: string; step: number; at: number }[] = [];
    const unsubscribe = core.queue.subscribe((event) => {
      const prompt = typeof event.job.params.prompt === "string" ? event.job.params.prompt : "";
      const found = /bench-job-\d{3}-end/.exec(prompt)?.[0];
      if (!found) return;
      jobMarker.set(event.job.id, found);
      if (event.type === "progress") progress.push({ marker: found, step: event.value, at: Date.now() });
      if (event.type === "succeeded") succeededAt.set(event.job.id, Date.now());
    });
    const successAt = new Map<string, number>();
    for (const sim of sims) sim.on("execution_success", (event) => successAt.set(event.promptId, event.at));

    const started = Date.now();
    const requestsBefore = discord.requests.length;
    const hitsBefore = discord.rateLimitHits.length;
    const handles = Array.from({ length: jobCount }, (_, index) =>
      discord.invokeSlash({
        name: "generate",
        user: benchMembers[index % memberCount]!,
        channelId: benchChannels[index % channelCount]!.id,
        options: { prompt: `a bench scene ${marker(index)}`, workflow: "sd15" },
      }),
    );
    const finals = await Promise.all(
      handles.map(async (handle) =>
        handle.waitForReply(
          (message) => message.attachments.some((file) => file.filename.endsWith(".png")),
          85_000,
        ),
      ),
    );
    // The store changes a moment before the request is recorded; let the last records land.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await harness.bot.services.jobMessages.settled();
    const wallMs = Date.now() - started;
    unsubscribe();

    const requests = discord.requests.slice(requestsBefore);
    const edits = requests.filter(
      (request) => request.method === "PATCH" && request.route.includes("/messages/"),
    );
    // Edit arrivals per job marker, in arrival order.
    const editsByMarker = new Map<string, { at: number; step: number | undefined; final: boolean }[]>();
    for (const edit of edits) {
      if (edit.status !== 200) continue;
      const text = bodyText(edit);
      const found = /bench-job-\d{3}-end/.exec(text)?.[0];
      if (!found) continue;
      const final = edit.files.some((file) => file.name.endsWith(".png"));
      const list = editsByMarker.get(found) ?? [];
      list.push({ at: edit.at, step: shownStep(text), final });
      editsByMarker.set(found, list);
    }

    const progressLatency: number[] = [];
    for (const frame of progress) {
      const shown = (editsByMarker.get(frame.marker) ?? []).find(
        (edit) => edit.at >= frame.at && (edit.final || (edit.step ?? -1) >= frame.step),
      );
      if (shown) progressLatency.push(shown.at - frame.at);
    }

    const uploadLatency: number[] = [];
    const fetchLatency: number[] = [];
    for (const [jobId, found] of jobMarker) {
      const job = core.queue.get(jobId);
      const promptId = job !== undefined && "run" in job ? job.run?.promptId : undefined;
      const success = promptId === undefined ? undefined : successAt.get(promptId);
      const upload = editsByMarker.get(found)?.find((edit) => edit.final);
      if (success !== undefined && upload) uploadLatency.push(upload.at - success);
      const fetched = succeededAt.get(jobId);
      if (success !== undefined && fetched !== undefined) fetchLatency.push(fetched - success);
    }

    const rateLimitHits = discord.rateLimitHits.slice(hitsBefore);
    return {
      discord_jobs_delivered: finals.length,
      discord_wall_ms: wallMs,
      discord_requests: requests.length,
      discord_edits: edits.length,
      discord_429s: rateLimitHits.length,
      discord_429s_on_edits: rateLimitHits.filter((hit) => hit.method === "PATCH").length,
      discord_429s_on_reactions: rateLimitHits.filter((hit) => hit.route.includes("/reactions/")).length,
      progress_frames: progress.length,
      progress_to_edit_ms_p50: percentile(progressLatency, 0.5),
      progress_to_edit_ms_p99: percentile(progressLatency, 0.99),
      success_to_upload_ms_p50: percentile(uploadLatency, 0.5),
      success_to_upload_ms_p99: percentile(uploadLatency, 0.99),
      // The part of the above spent before the Discord layer had the image (history + /view).
      success_to_image_in_bot_ms_p50: percentile(fetchLatency, 0.5),
    };
  } finally {
    await harness.close();
    await rm(harness.dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runDiscordBench();
  console.log(JSON.stringify(figures, null, 2));
}
