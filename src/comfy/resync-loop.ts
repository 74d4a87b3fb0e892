import type { ComfyHttp } from "./comfy-http.js";
import { locatePrompts, type PromptLocation } from "./locate-prompts.js";

export interface ResyncTarget {
  promptId: string;
  /** Last time a frame (or a resync) showed this prompt alive. */
  lastActivityAt: number;
}

export interface ResyncLoopOptions {
  http: ComfyHttp;
  intervalMs: number;
  now: () => number;
  /** Prompts to check (queued or running on ComfyUI as far as we know). */
  watched: () => ResyncTarget[];
  /** Applies what HTTP said; returns true to ask for a quick second look (a prompt missing once). */
  apply: (promptId: string, location: PromptLocation, reason: string) => boolean;
  onError: (error: unknown) => void;
}

/**
 * HTTP resync, single flight: a resync requested while one runs is done once more right after it. Runs when
 * asked (after a reconnect, on attach) and on its own while some watched prompt has been quiet for `intervalMs`.
 */
export class ResyncLoop {
  private readonly options: ResyncLoopOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(options: ResyncLoopOptions) {
    this.options = options;
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.checkQuiet(), Math.max(10, this.options.intervalMs / 2));
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async resync(reason: string): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.once(reason)
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.resync("again");
        }
      });
    return this.running;
  }

  private checkQuiet(): void {
    const now = this.options.now();
    const quiet = this.options
      .watched()
      .some((target) => now - target.lastActivityAt >= this.options.intervalMs);
    if (quiet) void this.resync("quiet");
  }

  private async once(reason: string): Promise<void> {
    const ids = this.options.watched().map((target) => target.promptId);
    if (ids.length === 0) return;
    const located = await locatePrompts(this.options.http, ids);
    let recheck = false;
    for (const [promptId, location] of located) {
      if (this.options.apply(promptId, location, reason)) recheck = true;
    }
    if (recheck && this.timer !== undefined) {
      setTimeout(() => void this.resync("recheck"), Math.min(this.options.intervalMs, 250)).unref();
    }
  }
}
