/**
 * Retention figures: 1,000,000 finished jobs (finish times spread over the last 60 days, so
 * about half are past a 30-day retention) in a real SQLite file, pruned by `RetentionPruner`
 * while admissions keep landing on the same file; how long the prune takes, the file size
 * before and after, and admission latency meanwhile (see `store-admission.ts`).
 * Run: `npx tsx bench/retention-bench.ts [jobs]`, or `npm run bench -- retention`.
 */
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { Writable } from "node:stream";
import { RetentionPruner } from "../src/history/retention-pruner.js";
import { openSqlite } from "../src/ops/sqlite-connection.js";
import { dataFileName, openStorage } from "../src/storage/open-storage.js";
import { createDayTableSql, dayTableName } from "../src/storage/sqlite/day-tables.js";
import { finishedJobTables } from "../src/storage/sqlite/tables.js";
import { admissionQueue, percentile, round } from "./store-admission.js";

const logger = pino({ level: "silent" });
const day = 86_400_000;
const retentionDays = 30;

/**
 * Writes `count` succeeded jobs straight into the finished-job day tables, in the format the job
 * store writes (read back through `jobSchema` below), one transaction generated inside SQLite:
 * a million `save`s would take far longer than the prune being measured. Finish times spread
 * evenly over the 60 days before `now`.
 */
async function writeJobs(dataDir: string, count: number, now: number): Promise<string[]> {
  // Created by the storage itself: schema, WAL, incremental auto-vacuum.
  await (await openStorage({ dataDir, logger })).close();
  const db = await openSqlite(path.join(dataDir, dataFileName), "read-write");
  const span = 60 * day;
  try {
    await db.run("BEGIN");
    // Job i finished at now - i * span / count; each UTC day's jobs go into that day's table.
    for (let dayStart = Math.floor((now - span) / day) * day; dayStart <= now; dayStart += day) {
      const table = dayTableName(finishedJobTables, dayStart);
      for (const sql of createDayTableSql(finishedJobTables, table).split("\n")) await db.run(sql);
      const first = Math.max(0, Math.floor(((now - dayStart - day) * count) / span) - 2);
      const last = Math.min(count, Math.ceil(((now - dayStart) * count) / span) + 2);
      await db.run(
        `INSERT INTO ${table} (id, seq, user_id, guild_id, state, finished_at, job)
         WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?),
         j AS (SELECT i, lower(hex(randomblob(16))) AS id, ? - (i * ? / ?) AS finished,
                      'a lighthouse on a cliff at dusk, volumetric light, oil painting, highly detailed, number ' || i AS prompt
               FROM n)
         SELECT id, i + 1, 'user-' || (i % 5000), '1100000000000000001', 'succeeded', finished, json_object(
           'id', id, 'seq', i + 1, 'userId', 'user-' || (i % 5000), 'guildId', '1100000000000000001',
           'channelId', '1100000000000000002',
           'messages', json_array(json_object('channelId', '1100000000000000002', 'messageId', '13' || printf('%017d', i))),
           'workflow', 'sdxl',
           'request', json_object('prompt', prompt, 'negative', 'blurry', 'steps', 30),
           'params', json_object('prompt', prompt, 'negative', 'lowres, blurry', 'seed', i * 7919, 'steps', 30,
             'cfg', 7, 'width', 1024, 'height', 1024, 'count', 1),
           'priority', json('false'), 'attempts', 1, 'requeues', 0,
           'createdAt', finished - 40000, 'queuedAt', finished - 40000,
           'state', 'succeeded',
           'run', json_object('backend', 'gpu-1', 'promptId', id, 'stagedAt', finished - 35000, 'startedAt', finished - 30000),
           'outputs', json_array(json_object('nodeId', '9', 'filename', 'comfycord_' || i || '_.png', 'subfolder', '',
             'type', 'output', 'byteLength', 1500000)),
           'finishedAt', finished
         ) FROM j WHERE finished >= ? AND finished < ?`,
        first,
        last,
        now,
        span,
        count,
        dayStart,
        dayStart + day,
      );
    }
    await db.run("COMMIT");
    await db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    const table = dayTableName(finishedJobTables, now - span / 2);
    const sample = await db.all<{ id: string }>(`SELECT id FROM ${table} LIMIT 3`);
    return sample.map((row) => row.id);
  } finally {
    await db.close();
  }
}

function sizeMb(name: string): number {
  try {
    return statSync(name).size / 1024 / 1024;
  } catch {
    return 0; // no -wal file: nothing to add
  }
}

/** The database with its write-ahead log: what the storage occupies on disk. */
const fileMb = (file: string): number => sizeMb(file) + sizeMb(`${file}-wal`);

export async function runRetentionBench(count = 1_000_000): Promise<Record<string, number>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "comfycord-retention-bench-"));
  const file = path.join(dataDir, dataFileName);
  try {
    const now = Date.now();
    const writeStarted = performance.now();
    const sampleIds = await writeJobs(dataDir, count, now);
    const writeMs = performance.now() - writeStarted;
    const mbBefore = fileMb(file);

    const storage = await openStorage({ dataDir, logger });
    const queue = await admissionQueue(storage);
    try {
      // The rows written above read back as valid jobs (the store checks them against jobSchema).
      for (const id of sampleIds) {
        if ((await storage.jobs.get(id))?.state !== "succeeded")
          throw new Error(`job ${id} does not read back`);
      }
      // Baseline on the full file, before pruning.
      const idleUs: number[] = [];
      for (let n = 0; n < 500; n++) idleUs.push(await queue.admit(n));

      // The pruner's own log line says how the pass split between deleting and reclaiming.
      const passLine: { deleteMs?: number; reclaimMs?: number } = {};
      const passLogger = pino(
        { level: "info" },
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            const line = JSON.parse(chunk.toString()) as {
              msg?: string;
              deleteMs?: number;
              reclaimMs?: number;
            };
            if (line.msg === "retention pass done") Object.assign(passLine, line);
            done();
          },
        }),
      );
      const pruner = new RetentionPruner({ storage, retentionDays, logger: passLogger, now: () => now });
      const pruneStarted = performance.now();
      let pruning = true;
      const pass = pruner.runOnce().finally(() => (pruning = false));
      const duringUs: number[] = [];
      for (let n = 1000; pruning; n++) duringUs.push(await queue.admit(n));
      const counts = await pass;
      const pruneMs = performance.now() - pruneStarted;
      const mbAfter = fileMb(file);
      const walMbAfter = sizeMb(`${file}-wal`);
      return {
        jobs_stored: count,
        write_ms: round(writeMs),
        pruned_jobs: counts.jobs,
        prune_ms_1m: round(pruneMs),
        prune_delete_ms: passLine.deleteMs ?? NaN,
        prune_reclaim_ms: passLine.reclaimMs ?? NaN,
        db_mb_before: round(mbBefore),
        db_mb_after: round(mbAfter),
        wal_mb_after: round(walMbAfter),
        admit_us_p99_idle: round(percentile(idleUs, 0.99)),
        admit_us_p50_during_prune: round(percentile(duringUs, 0.5)),
        admit_us_p99_during_prune: round(percentile(duringUs, 0.99)),
        admit_us_max_during_prune: round(duringUs.reduce((max, us) => Math.max(max, us), 0)),
        admissions_during_prune: duringUs.length,
      };
    } finally {
      await queue.close();
      await storage.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  for (const [name, value] of Object.entries(await runRetentionBench(count)))
    console.log(`${name}: ${value}`);
}
