import { afterEach, describe, expect, it } from "vitest";
import type { Job } from "../../src/queue/job.js";
import { inspectDataFile } from "../../src/storage/sqlite/inspect-data-file.js";
import { alice, day, now, oldDeployment } from "./support/old-deployment.js";
import {
  OpenedStorages,
  capturingLogger,
  dataFile,
  rawConnection,
  tempDataDir,
} from "./support/temp-storage.js";

const storages = new OpenedStorages();
afterEach(async () => storages.closeAll());

describe("opening a data file of the old format", () => {
  it("moves jobs, history, result links and rate limits into the new tables in today's format", async () => {
    const dataDir = tempDataDir();
    await oldDeployment(dataDir);
    const storage = await storages.open({ dataDir });

    const { jobs, setAside } = await storage.jobs.loadOpen();
    expect(setAside).toEqual([]);
    expect(jobs.map((job) => [job.id, job.state])).toEqual([
      ["queued", "queued"],
      ["staged", "staged"],
      ["running", "running"],
      ["running-unstarted", "staged"],
    ]);
    expect(jobs[0]).toEqual({
      id: "queued",
      seq: 11,
      userId: alice,
      guildId: "g1",
      channelId: "c1",
      parentChannelId: "parent-1",
      messages: [{ channelId: "c1", messageId: "m-queued", postedAt: 1_700_000_000_000 }],
      workflow: "sdxl",
      // What the member asked: their own negative, no seed; a reroll sends this again.
      request: {
        prompt: ":) a smile",
        negative: "blurry",
        steps: 30,
        cfg: 7,
        width: 1024,
        height: 1024,
        model: "sdxl_base.safetensors",
        sampler: "euler",
        scheduler: "normal",
        denoise: 1,
        count: 2,
        workflow: "sdxl",
      },
      // The values the workflow got: the channel's negative, the seed, `batch` as `count`.
      params: {
        prompt: ":) a smile",
        negative: "lowres, text, blurry",
        seed: 1234,
        steps: 30,
        cfg: 7,
        width: 1024,
        height: 1024,
        model: "sdxl_base.safetensors",
        sampler: "euler",
        scheduler: "normal",
        denoise: 1,
        count: 2,
      },
      priority: false,
      attempts: 0,
      requeues: 0,
      createdAt: 1_700_000_000_000,
      queuedAt: 1_700_000_000_000,
      state: "queued",
    } satisfies Job);
    expect(jobs[2]).toMatchObject({
      run: {
        backend: "gpu-a",
        promptId: "p-running",
        stagedAt: 1_700_000_001_000,
        startedAt: 1_700_000_002_000,
      },
    });
    expect(jobs[3]).toMatchObject({
      run: { backend: "gpu-b", promptId: "p-ru", stagedAt: 1_700_000_000_000 },
    });

    // The old bot posted results right after storing them and kept no bytes: they count as delivered.
    expect(await storage.jobs.get("done")).toMatchObject({
      state: "delivered",
      run: { backend: "gpu-a", promptId: "p-done", stagedAt: 1, startedAt: 2 },
      outputs: [{ filename: "a.png" }],
      finishedAt: now - 2 * day,
      rerollOf: "queued",
    });
    expect(await storage.jobs.get("failed-old-code")).toMatchObject({
      state: "failed",
      error: { code: "internal", message: "stopped by the host" },
    });
    // It never reached a backend: no run.
    expect(Object.keys((await storage.jobs.get("failed-old-code")) ?? {})).not.toContain("run");
    expect(await storage.jobs.get("failed-timeout")).toMatchObject({
      error: { code: "comfy_timeout" },
      run: { promptId: "p-t" },
    });
    expect(await storage.jobs.get("cancelled")).toMatchObject({ state: "cancelled", cancelledBy: "owner" });
    // Retention ages a record without a finish time from its creation, as before.
    expect(await storage.jobs.get("no-finish-time")).toMatchObject({ finishedAt: 1_700_000_000_000 });
    expect(await storage.jobs.get("leftover")).toMatchObject({ state: "delivered" });
    expect(await storage.jobs.get("expired")).toBeUndefined();
    expect(await storage.jobs.get("bulk-1199")).toMatchObject({ state: "cancelled" });
    expect(await storage.jobs.maxSeq()).toBe(1299);

    expect(await storage.results.get("900000000000000001")).toMatchObject({
      jobId: "done",
      request: { prompt: "a lighthouse at dusk", negative: "blurry", count: 2, workflow: "sdxl" },
      params: { negative: "lowres, text, blurry", seed: 1234, count: 2 },
    });
    expect(await storage.results.page({ userId: alice, guildId: "g1", offset: 0, limit: 5 })).toMatchObject({
      total: 1,
    });
    expect(await storage.rates.hits(alice)).toEqual([now - 1000, now - 500]);
    expect(await storage.rates.hits("stale")).toEqual([]);
  });

  it("keeps settings, client ids, the registration hash and the ETA model where they were", async () => {
    const dataDir = tempDataDir();
    await oldDeployment(dataDir);
    const storage = await storages.open({ dataDir });
    expect(await storage.settings.get("guild:g1")).toEqual({
      guildId: "g1",
      settings: { maxSteps: 40, bannedTerms: [":)"] },
    });
    expect(await storage.settings.channelsOf("g1")).toEqual([
      ["c1", { guildId: "g1", settings: { enabled: true } }],
    ]);
    expect(await storage.meta.get("comfy-client-id:http://gpu-a:8188")).toBe("client-a");
    expect(await storage.meta.get("comfy-last-client-id:http://gpu-a:8188")).toBe("client-a-last");
    expect(await storage.meta.get("commands-hash:global")).toBe("hash-1");
    expect(await storage.eta.load()).toEqual({
      version: 1,
      entries: { "sdxl|1024x1024x2": [30_000, 900, 4, now] },
    });
  });

  it("sets aside what cannot be converted, logs it, removes the old rows and does it only once", async () => {
    const dataDir = tempDataDir();
    await oldDeployment(dataDir);
    const { logger, lines } = capturingLogger();
    const storage = await storages.open({ dataDir, logger });
    const summary = lines.find(
      (line) => line.msg === "moved the records of the old data format into the new tables",
    );
    // 11 job records (the leftover is in both namespaces) + 1200 bulk, 1 result, 1 rate record; 2 expired.
    expect(summary).toMatchObject({ imported: 1213, expired: 2, setAside: 3 });
    expect(
      lines
        .filter((line) => line.msg === "set aside an old record that cannot be converted")
        .map((line) => line.id),
    ).toEqual(["broken", "staged-without-prompt", "900000000000000002"]);
    await storages.close(storage);

    const raw = await rawConnection(dataDir);
    try {
      expect(await raw.all("SELECT source, record_id, user_id FROM set_aside ORDER BY id")).toEqual([
        { source: "keyv:jobs", record_id: "broken", user_id: null },
        { source: "keyv:jobs", record_id: "staged-without-prompt", user_id: "222222222222222222" },
        { source: "keyv:results", record_id: "900000000000000002", user_id: null },
      ]);
      expect(
        await raw.all(
          "SELECT count(*) AS n FROM keyv WHERE key LIKE 'jobs:%' OR key LIKE 'job-history:%' OR key LIKE 'results:%' OR key LIKE 'rate-limits:%'",
        ),
      ).toEqual([{ n: 0 }]);
      expect(await raw.all("SELECT count(*) AS n FROM jobs")).toEqual([{ n: 4 }]);
      expect(await raw.all("PRAGMA auto_vacuum")).toEqual([{ auto_vacuum: 2 }]);
    } finally {
      await raw.close();
    }

    expect(await inspectDataFile(dataFile(dataDir))).toMatchObject({
      jobs: 1210,
      unfinishedJobs: 4,
      results: 1,
    });

    const { logger: again, lines: secondLines } = capturingLogger();
    const reopened = await storages.open({ dataDir, logger: again });
    expect(secondLines.some((line) => String(line.msg).includes("old data format"))).toBe(false);
    expect((await reopened.jobs.loadOpen()).jobs).toHaveLength(4);
  });
});
