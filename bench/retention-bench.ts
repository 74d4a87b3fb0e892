/**
 * Retention figures: a store holding 1,000,000 finished jobs (about half past retention) in a real
 * SQLite file, pruned by `RetentionPruner` while a real `JobQueue` on the same file keeps
 * admitting jobs; how long the prune takes, the file size before and after, and admission
 * latency meanwhile. Run: `npx tsx bench/retention-bench.ts [jobs]`.
 */
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import sqlite3 from "sqlite3";
import { RetentionPruner } from "../src/history/retention-pruner.js";
import { ResultIndex } from "../src/history/result-index.js";
import { JobQueue } from "../src/queue/job-queue.js";
import type { Dispatcher } from "../src/queue/ports.js";
import { Store } from "../src/store/store.js";

const logger = pino({ level: "silent" });
const day = 86_400_000;
const retentionDays = 30;
const limits = { jobsPerWindow: 1_000_000, windowSeconds: 60, maxQueuedPerUser: 1_000_000 };
const queueLimits = { maxSize: 1_000_000, maxRequeues: 1, shutdownGraceSeconds: 0 };

/** Every backend busy: admitted jobs wait, nothing is dispatched. */
const idleDispatcher: Dispatcher = {
  hasFreeSlot: () => false,
  onlineCount: () => 1,
  pickBackend: () => ({ kind: "busy" }),
  run: async () => Promise.reject(new Error("not used")),
  attach: async () => new Promise(() => undefined),
  cancel: async () => Promise.resolve(),
  onCapacity: () => () => undefined,
};

function exec(db: sqlite3.Database, sql: string, ...params: unknown[]): Promise<void> {
  return new Promise((resolve, reject) =>
    db.run(sql, params, (error) => (error ? reject(error) : resolve())),
  );
}

/**
 * Writes `count` finished jobs straight into Keyv's table, in the format the store writes
 * (key `job-history:<uuid>`, value `{"value":<job>,"expires":<ms>}`, as checked against a real
 * `QueueStore` write), in one transaction generated inside SQLite: a million Keyv `set`s would take
 * far longer than the prune being measured. Finish times spread evenly over the last 60 days.
 * The file is created with `auto_vacuum=INCREMENTAL`, as the pruner converts a new store at start.
 */
async function writeJobs(file: string, count: number, now: number): Promise<void> {
  const db = new sqlite3.Database(file);
  await exec(db, "PRAGMA auto_vacuum=INCREMENTAL");
  await exec(db, "PRAGMA journal_mode=WAL");
  await exec(db, "CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT )");
  await exec(db, "BEGIN");
  await exec(
    db,
    `INSERT INTO keyv (key, value)
     WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?),
     j AS (SELECT i, lower(hex(randomblob(16))) AS id, ? - (i * 5184000000 / ?) AS finished FROM n)
     SELECT 'job-history:' || id, json_object(
       'value', json_object(
         'id', id, 'seq', i, 'userId', 'user-' || (i % 5000), 'guildId', '1100000000000000001',
         'channelId', '1100000000000000002',
         'messages', json_array(json_object('channelId', '1100000000000000002', 'messageId', '13' || printf('%017d', i))),
         'workflow', 'sdxl',
         'params', json_object('prompt', 'a lighthouse on a cliff at dusk, volumetric light, oil painting, highly detailed, number ' || i,
           'negative', 'blurry, low quality', 'seed', i * 7919, 'steps', 30, 'cfg', 7, 'width', 1024, 'height', 1024),
         'priority', json('false'), 'state', 'succeeded', 'backend', 'gpu-1', 'promptId', id,
         'attempts', 1, 'requeues', 0, 'createdAt', finished - 40000, 'queuedAt', finished - 40000,
         'stagedAt', finished - 35000, 'startedAt', finished - 30000, 'finishedAt', finished,
         'outputs', json_array(json_object('nodeId', '9', 'filename', 'comfycord_' || i || '_.png', 'subfolder', '', 'type', 'output', 'byteLength', 1500000))
       ),
       'expires', finished + ${retentionDays} * ${day}
     ) FROM j`,
    count,
    now,
    count,
  );
  await exec(db, "COMMIT");
  await exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}

function sizeMb(name: string): number {
  try {
    return statSync(name).size / 1024 / 1024;
  } catch {
    return 0;
  }
}

/** The database with its write-ahead log: what the store occupies on disk. */
const fileMb = (file: string): number => sizeMb(file) + sizeMb(`${file}-wal`);

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

const round = (value: number): number => Math.round(value * 10) / 10;

export async function runRetentionBench(count = 1_000_000): Promise<Record<string, number>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "comfycord-retention-bench-"));
  const file = path.join(dataDir, "comfycord.sqlite");
  try {
    const now = Date.now();
    const writeStarted = performance.now();
    await writeJobs(file, count, now);
    const writeMs = performance.now() - writeStarted;
    const mbBefore = fileMb(file);

    const store = await Store.open({ dataDir, logger });
    const queue = new JobQueue({
      store,
      dispatcher: idleDispatcher,
      logger,
      limits: queueLimits,
      retentionDays,
    });
    await queue.start();
    const admit = async (n: number): Promise<number> => {
      const started = performance.now();
      const decision = await queue.admit({
        userId: `admit-${n % 500}`,
        guildId: "g",
        channelId: "c",
        workflow: "sdxl",
        params: { prompt: `a harbour ${n}`, seed: n, width: 1024, height: 1024, steps: 30 },
        limits,
      });
      if (decision.kind !== "accepted") throw new Error(`admission ${n}: ${decision.kind}`);
      return (performance.now() - started) * 1000;
    };
    // Baseline on the full store, before pruning.
    const idleUs: number[] = [];
    for (let n = 0; n < 500; n++) idleUs.push(await admit(n));

    const pruner = new RetentionPruner({
      store,
      results: new ResultIndex(store),
      retentionDays,
      logger,
      now: () => now,
    });
    const pruneStarted = performance.now();
    let pruning = true;
    const pass = pruner.runOnce().finally(() => (pruning = false));
    const duringUs: number[] = [];
    for (let n = 1000; pruning; n++) duringUs.push(await admit(n));
    const counts = await pass;
    const pruneMs = performance.now() - pruneStarted;
    const mbAfter = fileMb(file);
    const walMbAfter = sizeMb(`${file}-wal`);
    await queue.close({ graceMs: 0 });
    await store.close();
    return {
      jobs_stored: count,
      write_ms: round(writeMs),
      pruned_jobs: counts.jobs,
      prune_ms_1m: round(pruneMs),
      db_mb_before: round(mbBefore),
      db_mb_after: round(mbAfter),
      wal_mb_after: round(walMbAfter),
      admit_us_p99_idle: round(percentile(idleUs, 0.99)),
      admit_us_p50_during_prune: round(percentile(duringUs, 0.5)),
      admit_us_p99_during_prune: round(percentile(duringUs, 0.99)),
      admit_us_max_during_prune: round(Math.max(...duringUs)),
      admissions_during_prune: duringUs.length,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  console.log(JSON.stringify(await runRetentionBench(count), null, 2));
}
