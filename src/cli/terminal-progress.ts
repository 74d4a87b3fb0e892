import { percent, progressBar } from "../presentation/progress-bar.js";
import type { QueueEvent } from "../queue/queue-events.js";

/** Where progress goes: stderr, so stdout keeps only the written file names. */
export interface ProgressSink {
  isTTY: boolean;
  write(text: string): void;
  /** Terminal width; lines are cut to it so `\r` can redraw them. */
  columns?: number | undefined;
}

// Distributes over the union, so each event type keeps its own fields.
type WithoutJob<Event> = Event extends unknown ? Omit<Event, "job"> : never;

/** A queue event as the line shows it: the line never needs the job itself. */
export type ProgressUpdate = WithoutJob<QueueEvent>;

// Some terminals (a serial console, an emulator before its first resize, `script`) report 0
// columns; cutting to that leaves only "…". Under 10 columns nothing useful fits, so such a
// width is taken for a wrong one and the usual 80 is assumed.
const fallbackColumns = 80;
const narrowestColumns = 10;

/**
 * One live status line on a terminal (`step 12/30 · 40% ▰▰▰▰▱▱▱▱▱▱ · KSampler`), redrawn in place;
 * on a pipe or log file, plain lines for each state change and every quarter of progress.
 */
export class TerminalProgress {
  readonly #sink: ProgressSink;
  #node: string | undefined;
  #shown = "";
  #lastQuarter = -1;
  #drawn = false;

  constructor(sink: ProgressSink) {
    this.#sink = sink;
  }

  update(event: ProgressUpdate): void {
    switch (event.type) {
      case "queued":
      case "position":
        this.#show(event.position === 0 ? "queued: next in line" : `queued: ${event.position} ahead`);
        return;
      case "staged":
        this.#show(`waiting in ComfyUI's queue on ${event.backend}`);
        return;
      case "started":
        this.#show(`running on ${event.backend}`);
        return;
      case "node":
        this.#node = event.nodeType ?? `node ${event.nodeId}`;
        this.#show(this.#node);
        return;
      case "progress": {
        const whole = percent(event.overall);
        const text = `step ${event.value}/${event.max} · ${whole}% ${progressBar(event.overall)}${this.#node ? ` · ${this.#node}` : ""}`;
        if (this.#sink.isTTY) {
          this.#show(text);
        } else {
          const quarter = Math.floor(whole / 25);
          if (quarter !== this.#lastQuarter || event.value === event.max) {
            this.#lastQuarter = quarter;
            this.#show(text);
          }
        }
        return;
      }
      case "requeued":
        this.#show(`the image server lost the job (${event.error.message}); waiting to run it again`);
        return;
      case "preview":
      case "succeeded":
      case "failed":
      case "cancelled":
        return;
    }
  }

  /** Leaves the terminal on a fresh line before the final messages. */
  finish(): void {
    if (this.#sink.isTTY && this.#drawn) this.#sink.write("\r\u001b[2K");
    this.#drawn = false;
  }

  #show(text: string): void {
    if (text === this.#shown) return;
    this.#shown = text;
    if (!this.#sink.isTTY) {
      this.#sink.write(`${text}\n`);
      return;
    }
    const columns = this.#sink.columns;
    const width =
      columns !== undefined && Number.isFinite(columns) && columns >= narrowestColumns
        ? Math.floor(columns)
        : fallbackColumns;
    const line = text.length >= width ? `${text.slice(0, Math.max(0, width - 2))}…` : text;
    this.#sink.write(`\r\u001b[2K${line}`);
    this.#drawn = true;
  }
}
