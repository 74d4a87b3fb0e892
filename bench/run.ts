/**
 * `npm run bench`: runs every benchmark and prints each figure as `name: value`, one per line,
 * so runs can be compared with a plain diff. `npm run bench -- queue` runs only the named ones.
 */
type Bench = () => Promise<Record<string, number>>;

const benches: Record<string, () => Promise<Bench>> = {
  comfy: async () => (await import("./comfy-bench.js")).runComfyBench,
  admission: async () => (await import("./admission-bench.js")).runAdmissionBench,
  queue: async () => (await import("./queue-bench.js")).runQueueBench,
  discord: async () => (await import("./discord-bench.js")).runDiscordBench,
  retention: async () => (await import("./retention-bench.js")).runRetentionBench,
  moderation: async () => (await import("./moderation-bench.js")).runModerationBench,
  startup: async () => (await import("./startup-bench.js")).runStartupBench,
  scale: async () => (await import("./scale-bench.js")).runScaleBench,
};

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
  const names = wanted.length > 0 ? wanted : Object.keys(benches);
  let failed = false;
  for (const name of names) {
    const load = benches[name];
    if (!load) {
      console.error(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(", ")}`);
      failed = true;
      continue;
    }
    console.log(`# ${name}`);
    const started = performance.now();
    try {
      const figures = await (await load())();
      for (const [figure, value] of Object.entries(figures)) console.log(`${figure}: ${format(value)}`);
    } catch (error) {
      failed = true;
      console.error(`benchmark ${name} failed:`, error);
    }
    console.log(`# ${name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
