import type { ComfyHttp } from "./comfy-http.js";
import type { HistoryEntry, QueueItem } from "./comfy-responses.js";

export type PromptLocation =
  | { where: "running"; item: QueueItem }
  | { where: "pending"; item: QueueItem }
  | { where: "finished"; entry: HistoryEntry }
  /** In neither: not submitted, deleted, or lost in a ComfyUI restart (history is `{}` for all of those). */
  | { where: "missing" };

/**
 * Where ComfyUI has each prompt. `/queue` is read first and `/history` second, never the other way round: a
 * prompt can finish between the two calls and would otherwise look missing. HTTP errors are thrown, never
 * read as "missing".
 */
export async function locatePrompts(
  http: ComfyHttp,
  promptIds: string[],
): Promise<Map<string, PromptLocation>> {
  const queue = await http.getQueue();
  const located = new Map<string, PromptLocation>();
  for (const promptId of promptIds) {
    const running = queue.running.find((item) => item.promptId === promptId);
    const pending = queue.pending.find((item) => item.promptId === promptId);
    if (running) located.set(promptId, { where: "running", item: running });
    else if (pending) located.set(promptId, { where: "pending", item: pending });
  }
  await Promise.all(
    promptIds
      .filter((promptId) => !located.has(promptId))
      .map(async (promptId) => {
        const entry = await http.getHistory(promptId);
        located.set(promptId, entry ? { where: "finished", entry } : { where: "missing" });
      }),
  );
  return located;
}
