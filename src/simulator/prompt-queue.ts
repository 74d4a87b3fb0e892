import type { PromptGraph } from "./prompt-validator.js";

export interface ImageRef {
  filename: string;
  subfolder: string;
  type: string;
}

export interface QueueItem {
  number: number;
  promptId: string;
  prompt: PromptGraph;
  extraData: Record<string, unknown>;
  outputs: string[];
}

export type HistoryMessage = [string, Record<string, unknown>];

export interface HistoryEntry {
  prompt: [number, string, PromptGraph, Record<string, unknown>, string[]];
  outputs: Record<string, { images: ImageRef[] }>;
  status: { status_str: "success" | "error"; completed: boolean; messages: HistoryMessage[] };
  meta: Record<string, { node_id: string; display_node: string; parent_node: null; real_node_id: string }>;
}

export function queueTuple(
  item: QueueItem,
): [number, string, PromptGraph, Record<string, unknown>, string[]] {
  return [item.number, item.promptId, item.prompt, item.extraData, item.outputs];
}

/**
 * ComfyUI's PromptQueue: a priority queue by `number`, one running item, history in memory.
 * `onChange` fires exactly where ComfyUI calls `queue_updated()`, which broadcasts a `status` frame.
 */
export class PromptQueue {
  private pending: QueueItem[] = [];
  private running: QueueItem | undefined;
  private readonly history = new Map<string, HistoryEntry>();

  constructor(private readonly onChange: () => void) {}

  remaining(): number {
    return this.pending.length + (this.running === undefined ? 0 : 1);
  }

  current(): QueueItem | undefined {
    return this.running;
  }

  put(item: QueueItem): void {
    // Stable insert: equal numbers keep submission order.
    const at = this.pending.findIndex((p) => p.number > item.number);
    if (at === -1) this.pending.push(item);
    else this.pending.splice(at, 0, item);
    this.onChange();
  }

  take(): QueueItem | undefined {
    if (this.running !== undefined) return undefined;
    const item = this.pending.shift();
    if (item === undefined) return undefined;
    this.running = item;
    this.onChange();
    return item;
  }

  finish(item: QueueItem, entry: HistoryEntry): void {
    if (this.running === item) this.running = undefined;
    // A duplicate prompt id overwrites the earlier entry, as on the real server; re-insert keeps order.
    this.history.delete(item.promptId);
    this.history.set(item.promptId, entry);
    this.onChange();
  }

  delete(promptId: string): void {
    const at = this.pending.findIndex((p) => p.promptId === promptId);
    if (at === -1) return;
    // ComfyUI wipes the queue when deleting its only item, which notifies once more.
    if (this.pending.length === 1) this.clear();
    else this.pending.splice(at, 1);
    this.onChange();
  }

  clear(): void {
    this.pending = [];
    this.onChange();
  }

  queueBody(): { queue_running: unknown[]; queue_pending: unknown[] } {
    return {
      queue_running: this.running === undefined ? [] : [queueTuple(this.running)],
      queue_pending: this.pending.map(queueTuple),
    };
  }

  historyBody(promptId?: string, maxItems?: number, offset = 0): Record<string, HistoryEntry> {
    if (promptId !== undefined) {
      const entry = this.history.get(promptId);
      return entry === undefined ? {} : { [promptId]: entry };
    }
    let entries = [...this.history.entries()];
    if (maxItems !== undefined) {
      const end = entries.length - offset;
      entries = entries.slice(Math.max(0, end - maxItems), Math.max(0, end));
    }
    return Object.fromEntries(entries);
  }

  deleteHistory(promptId: string): void {
    this.history.delete(promptId);
  }

  clearHistory(): void {
    this.history.clear();
  }
}
