import { dataFile } from "./temp-storage.js";
import { oldJob, writeOldFormatFile } from "./old-format.js";

export const now = Date.now();
export const day = 86_400_000;
export const alice = "111111111111111111";

/** A file as a deployment of 005acb5 left it: every namespace, a few damaged records. */
export async function oldDeployment(dataDir: string): Promise<void> {
  await writeOldFormatFile(dataFile(dataDir), [
    {
      key: "jobs:queued",
      value: oldJob({
        id: "queued",
        seq: 11,
        state: "queued",
        params: {
          ...oldJob({ id: "x", seq: 0, state: "queued" }).params,
          prompt: ":) a smile",
          parentChannelId: "parent-1",
        },
      }),
    },
    {
      key: "jobs:staged",
      value: oldJob({
        id: "staged",
        seq: 12,
        state: "staged",
        attempts: 1,
        backend: "gpu-a",
        promptId: "p-staged",
        stagedAt: 1_700_000_001_000,
      }),
    },
    {
      key: "jobs:running",
      value: oldJob({
        id: "running",
        seq: 13,
        state: "running",
        attempts: 1,
        backend: "gpu-a",
        promptId: "p-running",
        stagedAt: 1_700_000_001_000,
        startedAt: 1_700_000_002_000,
      }),
    },
    {
      key: "jobs:running-unstarted",
      value: oldJob({
        id: "running-unstarted",
        seq: 14,
        state: "running",
        attempts: 1,
        backend: "gpu-b",
        promptId: "p-ru",
      }),
    },
    { key: "jobs:broken", raw: "{this is not json" },
    {
      key: "jobs:staged-without-prompt",
      value: oldJob({ id: "staged-without-prompt", seq: 15, state: "staged", userId: "222222222222222222" }),
    },
    // A crash between writing the history and deleting the live copy left it in both.
    {
      key: "jobs:leftover",
      value: oldJob({
        id: "leftover",
        seq: 5,
        state: "succeeded",
        backend: "gpu-a",
        promptId: "p-left",
        outputs: [],
        finishedAt: now - day,
      }),
    },
    {
      key: "job-history:leftover",
      value: oldJob({
        id: "leftover",
        seq: 5,
        state: "succeeded",
        backend: "gpu-a",
        promptId: "p-left",
        outputs: [],
        finishedAt: now - day,
      }),
      expires: now + 29 * day,
    },
    {
      key: "job-history:done",
      value: oldJob({
        id: "done",
        seq: 6,
        state: "succeeded",
        attempts: 1,
        backend: "gpu-a",
        promptId: "p-done",
        stagedAt: 1,
        startedAt: 2,
        finishedAt: now - 2 * day,
        rerollOf: "queued",
        outputs: [{ nodeId: "9", filename: "a.png", subfolder: "", type: "output", byteLength: 10 }],
      }),
      expires: now + 28 * day,
    },
    {
      key: "job-history:failed-old-code",
      value: oldJob({
        id: "failed-old-code",
        seq: 7,
        state: "failed",
        error: { code: "comfy_cancelled", message: "stopped by the host" },
        finishedAt: now - day,
      }),
      expires: now + day,
    },
    {
      key: "job-history:failed-timeout",
      value: oldJob({
        id: "failed-timeout",
        seq: 8,
        state: "failed",
        backend: "gpu-a",
        promptId: "p-t",
        error: { code: "comfy_timeout", message: "no progress for 300 s" },
        finishedAt: now - day,
      }),
      expires: now + day,
    },
    {
      key: "job-history:cancelled",
      value: oldJob({ id: "cancelled", seq: 9, state: "cancelled", finishedAt: now - day }),
      expires: now + day,
    },
    {
      key: "job-history:no-finish-time",
      value: oldJob({
        id: "no-finish-time",
        seq: 10,
        state: "failed",
        error: { code: "internal", message: "?" },
      }),
      expires: now + day,
    },
    {
      key: "job-history:expired",
      value: oldJob({
        id: "expired",
        seq: 1,
        state: "succeeded",
        backend: "gpu-a",
        promptId: "p-e",
        finishedAt: now - 40 * day,
      }),
      expires: now - 10 * day,
    },
    ...Array.from({ length: 1200 }, (_, index) => ({
      key: `job-history:bulk-${String(index).padStart(4, "0")}`,
      value: oldJob({
        id: `bulk-${String(index).padStart(4, "0")}`,
        seq: 100 + index,
        state: "cancelled",
        finishedAt: now - day,
      }),
      expires: now + day,
    })),
    {
      key: "results:900000000000000001",
      value: {
        messageId: "900000000000000001",
        channelId: "c1",
        guildId: "g1",
        userId: alice,
        jobId: "done",
        workflow: "sdxl",
        params: oldJob({ id: "done", seq: 6, state: "queued" }).params,
        createdAt: now - 2 * day,
      },
    },
    { key: "results:900000000000000002", value: { messageId: "900000000000000002", params: {} } },
    { key: "rate-limits:" + alice, value: { hits: [now - 1000, now - 500] }, expires: now + 60_000 },
    { key: "rate-limits:stale", value: { hits: [now - 600_000] }, expires: now - 1 },
    { key: "settings:guild:g1", value: { guildId: "g1", settings: { maxSteps: 40, bannedTerms: [":)"] } } },
    { key: "settings:channel:c1", value: { guildId: "g1", settings: { enabled: true } } },
    { key: "meta:comfy-client-id:http://gpu-a:8188", value: "client-a" },
    { key: "meta:comfy-last-client-id:http://gpu-a:8188", value: "client-a-last" },
    { key: "meta:commands-hash:global", value: "hash-1" },
    { key: "queue-eta:eta", value: { version: 1, entries: { "sdxl|1024x1024x2": [30_000, 900, 4, now] } } },
  ]);
}
