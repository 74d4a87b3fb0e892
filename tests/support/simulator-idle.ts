import type { ComfySimulator } from "../../src/simulator/comfy-simulator.js";

/**
 * True when the simulator holds no prompt, running or pending (read from its `/queue`). Then no run can
 * end later, so a test can check that something did *not* run without sleeping first.
 */
export async function simulatorIdle(sim: Pick<ComfySimulator, "url">): Promise<boolean> {
  const queue = (await (await fetch(`${sim.url}/queue`)).json()) as {
    queue_running: unknown[];
    queue_pending: unknown[];
  };
  return queue.queue_running.length === 0 && queue.queue_pending.length === 0;
}
