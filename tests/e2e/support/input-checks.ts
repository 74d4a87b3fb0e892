import type { StoredMessage } from "../../fakes/discord/index.js";
import type { BotHarness } from "./bot-harness.js";

/**
 * The picture a job's LoadImage read on the host that ran it: the graph from the host's
 * `/history` names the uploaded file, and the simulator gives back its bytes as stored.
 */
export async function inputOf(harness: BotHarness, jobId: string): Promise<Buffer> {
  const job = await harness.core.queue.load(jobId);
  if (!job || !("run" in job) || !job.run) throw new Error(`job ${jobId} never ran`);
  const sim =
    harness.sims[harness.core.pool.backends.findIndex((backend) => backend.id === job.run!.backend)]!;
  const history = (await (await fetch(`${sim.url}/history/${job.run.promptId}`)).json()) as Record<
    string,
    { prompt: [number, string, Record<string, { class_type: string; inputs: Record<string, unknown> }>] }
  >;
  const graph = history[job.run.promptId]!.prompt[2];
  const loader = Object.values(graph).find((node) => node.class_type === "LoadImage");
  const value = String(loader?.inputs["image"]);
  const slash = value.lastIndexOf("/");
  const bytes = sim.viewBytes(value.slice(slash + 1), slash < 0 ? "" : value.slice(0, slash), "input");
  if (!bytes) throw new Error(`the host has no input ${value}`);
  return bytes;
}

/** The labels of a message's buttons, row by row. */
export function buttonRows(message: StoredMessage): string[][] {
  return message.components.map((row) =>
    ((row["components"] as { label?: string }[] | undefined) ?? []).map((button) => button.label ?? ""),
  );
}

/** The custom id of the button with this label. */
export function buttonId(message: StoredMessage, label: string): string {
  for (const row of message.components) {
    for (const button of (row["components"] as { label?: string; custom_id?: string }[] | undefined) ?? []) {
      if (button.label === label && button.custom_id) return button.custom_id;
    }
  }
  throw new Error(`no button "${label}" on message ${message.id}`);
}
