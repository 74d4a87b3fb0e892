/**
 * Admission figures on a real SQLite file: 10,000 admissions from 500 members through the real
 * `queue.admit`, one after another, each awaiting its writes (see `store-admission.ts`).
 * Run: `npx tsx bench/admission-bench.ts`, or `npm run bench -- admission`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { openStorage } from "../src/storage/open-storage.js";
import { admissionQueue, percentile, round } from "./store-admission.js";

const admissions = 10_000;
const warmUp = 200;

export async function runAdmissionBench(): Promise<Record<string, number>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "comfycord-admission-bench-"));
  try {
    const storage = await openStorage({ dataDir, logger: pino({ level: "silent" }) });
    const queue = await admissionQueue(storage);
    try {
      for (let n = 0; n < warmUp; n++) await queue.admit(-1 - n);
      const samples: number[] = [];
      for (let n = 0; n < admissions; n++) samples.push(await queue.admit(n));
      return {
        admit_us_p50: round(percentile(samples, 0.5)),
        admit_us_p99: round(percentile(samples, 0.99)),
        admit_us_max: round(Math.max(...samples)),
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
  for (const [name, value] of Object.entries(await runAdmissionBench())) console.log(`${name}: ${value}`);
}
