import type { PartialJobParams } from "../request/generation-request.js";
import type { JobPhase } from "./message-view.js";
import type { ResultActionSet } from "./result-buttons.js";

/** Everything the renderer needs to draw one job's message; the Discord layer assembles it from job events. */
export interface JobViewState {
  jobId: string;
  phase: JobPhase;
  prompt: string;
  params: JobViewParams;
  /** 1-based place in the queue. */
  position?: number | undefined;
  /** Expected start (queued) or end (running), epoch ms. */
  etaAt?: number | undefined;
  /** The GPU host's display name. */
  backendLabel?: string | undefined;
  /** The first node to run is a model loader: the wait is the model loading, not the queue. */
  loadingModel?: boolean | undefined;
  node?: { title?: string | undefined; classType?: string | undefined } | undefined;
  step?: { value: number; max: number } | undefined;
  /** 0..1 across the whole prompt, when ComfyUI reports it. */
  overall?: number | undefined;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  preview?: { bytes: Buffer; mime: string } | undefined;
  images?: JobViewImage[] | undefined;
  /** Why the files differ from ComfyUI's originals, e.g. "Converted to JPEG to fit the 10 MiB upload limit." */
  convertedNote?: string | undefined;
  /** Already in the user's words (see `describeError`). */
  error?: { message: string } | undefined;
  /** A temporary condition worth telling a waiting member, e.g. every image server is unreachable. */
  notice?: string | undefined;
  /** A Discord user (rendered as a mention that pings nobody) or a plain label such as "an operator". */
  cancelledBy?: { userId: string } | { label: string } | undefined;
  /** The buttons a finished result offers (none when unset: the terminal, old tests). */
  actions?: ResultActionSet | undefined;
}

/**
 * The values the job runs with, its workflow and the style it was asked with: the embed's fields
 * come from the parameter table.
 */
export type JobViewParams = PartialJobParams & { workflow: string; style?: string | undefined };

export interface JobViewImage {
  name: string;
  bytes: Buffer;
  mime: string;
  /** The grid of a job's several images, shown first; the originals follow it. */
  grid?: boolean;
}
