import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fork } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pino } from "pino";
import type { ApiPrompt } from "../src/comfy/api-prompt.js";
import { BackendPool } from "../src/comfy/backend-pool.js";
import { ComfyBackend } from "../src/comfy/comfy-backend.js";
import { startComfySimulator } from "../src/simulator/comfy-simulator.js";

const logger = pino({ level: "silent" });

function workflow(seed: number, steps: number): ApiPrompt {
  return {
    "1": { class_type: "FakeSampler", inputs: { seed, steps, width: 64, height: 64, prompt: "bench" } },
    "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "bench" } },
  };
}

function backendFor(sim: { url: string }, id: string): ComfyBackend {
  return new ComfyBackend({
    id,
    url: sim.url,
    clientId: `bench-${id}`,
    logger,
    maxOutputBytes: 16 * 1024 * 1024,
    timeouts: { startMs: 30_000, nodeInactivityMs: 30_000, overallMs: 60_000 },
    pingIntervalMs: 15_000,
    pongTimeoutMs: 10_000,
    resyncIntervalMs: 5_000,
  });
}

async function waitOnline(backends: ComfyBackend[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (backends.some((backend) => !backend.health.online || backend.objectInfo() === undefined)) {
    if (Date.now() > deadline) throw new Error("backends did not come online");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** 200 jobs over two simulators through the pool's slot rule (1 running + 1 staged per backend). */
async function throughput(): Promise<Record<string, number>> {
  const jobs = 200;
  const steps = 5;
  const sims = await Promise.all(
    [0, 1].map(() => startComfySimulator({ stepMs: 10, previewMethod: "none", outputPadBytes: 1024 * 1024 })),
  );
  const backends = sims.map((sim, index) => backendFor(sim, `gpu${index}`));
  const pool = new BackendPool({ backends, logger, breakerFailures: 3, breakerCooldownMs: 30_000 });
  const successAt = new Map<string, number>();
  for (const sim of sims) sim.on("execution_success", ({ promptId, at }) => successAt.set(promptId, at));
  const latencies: number[] = [];
  try {
    await pool.start();
    await waitOnline(backends);
    const started = Date.now();
    const running: Array<Promise<void>> = [];
    for (let job = 0; job < jobs; job += 1) {
      let backend = pool.choose({ classTypes: ["FakeSampler", "SaveImage"] });
      while (!backend) {
        await new Promise((resolve) => pool.once("slotFree", resolve));
        backend = pool.choose({ classTypes: ["FakeSampler", "SaveImage"] });
      }
      const promptId = randomUUID();
      running.push(
        backend.run({ promptId, prompt: workflow(job + 1, steps) }).then(() => {
          const at = successAt.get(promptId);
          if (at !== undefined) latencies.push(Date.now() - at);
        }),
      );
    }
    await Promise.all(running);
    const wallMs = Date.now() - started;
    const computeMs = sims
      .flatMap((sim) => sim.stats.executions)
      .reduce((sum, record) => sum + record.computeMs, 0);
    return {
      gpu_busy_ratio: computeMs / (sims.length * wallMs),
      success_to_outputs_ms_p50: percentile(latencies, 50),
      success_to_outputs_ms_p99: percentile(latencies, 99),
      jobs_per_second: (jobs * 1000) / wallMs,
    };
  } finally {
    await pool.stop();
    await Promise.all(sims.map((sim) => sim.close()));
  }
}

/**
 * Event-loop delay of the bot while 50 prompts stream progress and previews at once, one per simulated GPU.
 * The simulators run in a child process so that only the client's work lands on the measured loop.
 */
async function eventLoopUnderStreams(): Promise<Record<string, number>> {
  const streams = 50;
  const child = fork(fileURLToPath(import.meta.url), [simHostFlag, String(streams)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const urls = await new Promise<string[]>((resolve, reject) => {
    child.once("message", (message) => resolve((message as { urls: string[] }).urls));
    child.once("exit", (code) => reject(new Error(`simulator host exited with ${code}`)));
  });
  const backends = urls.map((url, index) => backendFor({ url }, `stream${index}`));
  let events = 0;
  try {
    await Promise.all(backends.map((backend) => backend.start()));
    await waitOnline(backends);
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const started = Date.now();
    await Promise.all(
      backends.map((backend, index) =>
        backend.run({
          promptId: randomUUID(),
          prompt: workflow(index + 1, 100),
          onEvent: () => (events += 1),
        }),
      ),
    );
    histogram.disable();
    return {
      event_loop_delay_ms_p99: histogram.percentile(99) / 1e6,
      event_loop_delay_ms_max: histogram.max / 1e6,
      stream_events_per_second: (events * 1000) / (Date.now() - started),
    };
  } finally {
    await Promise.all(backends.map((backend) => backend.stop()));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.send("close");
    await exited;
  }
}

const simHostFlag = "--serve-simulators";

/** Child-process mode: start N simulators, report their URLs, close them on "close". */
async function serveSimulators(count: number): Promise<void> {
  const sims = await Promise.all(
    Array.from({ length: count }, () => startComfySimulator({ stepMs: 20, previewMethod: "auto" })),
  );
  process.send?.({ urls: sims.map((sim) => sim.url) });
  process.on("message", (message) => {
    if (message !== "close") return;
    void Promise.all(sims.map((sim) => sim.close())).then(() => process.exit(0));
  });
}

export async function runComfyBench(): Promise<Record<string, number>> {
  return { ...(await throughput()), ...(await eventLoopUnderStreams()) };
}

const hostIndex = process.argv.indexOf(simHostFlag);
if (hostIndex >= 0) {
  await serveSimulators(Number(process.argv[hostIndex + 1]));
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await runComfyBench();
  for (const [name, value] of Object.entries(results)) console.log(`${name}\t${value.toFixed(3)}`);
}
