import { fitAttachments } from "../images/fit-attachments.js";
import { makeGrid } from "../images/make-grid.js";
import type { SettingsRepository } from "../moderation/settings-repository.js";
import { initialViewState } from "../presentation/apply-queue-event.js";
import type { JobViewState } from "../presentation/job-view-state.js";
import type { MessageView } from "../presentation/message-view.js";
import type { ResultActionSet } from "../presentation/result-buttons.js";
import type { RunOutputFile } from "../queue/dispatcher.js";
import type { FinishedJob, Job } from "../queue/job.js";
import type { MessageTarget } from "./message-transport.js";

const defaultAttachmentLimit = 10 * 1024 * 1024;

/** What the bot holds in memory about one job whose message it keeps up to date. */
export interface TrackedJob {
  state: JobViewState;
  target: MessageTarget | undefined;
  /** The view to send once the message exists (the job may progress before the reply lands). */
  pending: { view: MessageView; flush: boolean; final: boolean } | undefined;
  attachmentLimit: number;
  previews: boolean;
  spoiler: boolean;
  /** A line kept above every state of the message (a reroll's link back to the original). */
  header?: string | undefined;
  /** The finished job: its result is delivered, or its failure shown, by the final edit. */
  finished?: FinishedJob | undefined;
  /** A succeeded job's images as ComfyUI made them, until posted (refitted if the limit changes). */
  files?: readonly RunOutputFile[] | undefined;
}

/**
 * The jobs whose messages are followed, by job and by message. A job is tracked from its first
 * event (or its reply, or a restart) until its final message is out; then `forget` drops its
 * state and images.
 */
export class TrackedJobs {
  readonly #settings: SettingsRepository;
  readonly #actionsFor: ((job: Job) => ResultActionSet) | undefined;
  readonly #jobs = new Map<string, TrackedJob>();
  /** Message id → job id, for ❌ on an unfinished job's message. */
  readonly #byMessage = new Map<string, string>();

  /** `actionsFor`: the buttons a job's result offers (none without it). */
  constructor(settings: SettingsRepository, actionsFor?: (job: Job) => ResultActionSet) {
    this.#settings = settings;
    this.#actionsFor = actionsFor;
  }

  get size(): number {
    return this.#jobs.size;
  }

  get(jobId: string): TrackedJob | undefined {
    return this.#jobs.get(jobId);
  }

  entries(): IterableIterator<[string, TrackedJob]> {
    return this.#jobs.entries();
  }

  jobForMessage(messageId: string): string | undefined {
    return this.#byMessage.get(messageId);
  }

  /** The job's tracked state, created from its channel's settings the first time. */
  async track(job: Job): Promise<TrackedJob> {
    const existing = this.#jobs.get(job.id);
    if (existing) return existing;
    const settings = await this.#settings.resolve({
      guildId: job.guildId,
      channelId: job.channelId,
      ...(job.parentChannelId === undefined ? {} : { parentId: job.parentChannelId }),
    });
    // Another event of the job may have tracked it while the settings were read.
    const again = this.#jobs.get(job.id);
    if (again) return again;
    // A job recovered after a restart already knows its message.
    const known = job.messages[0];
    if (known) this.#byMessage.set(known.messageId, job.id);
    const tracked: TrackedJob = {
      state: { ...initialViewState(job), actions: this.#actionsFor?.(job) },
      target: known ? { ...known } : undefined,
      pending: undefined,
      attachmentLimit: defaultAttachmentLimit,
      previews: settings.values.previews,
      spoiler: settings.values.spoilerResults,
    };
    this.#jobs.set(job.id, tracked);
    return tracked;
  }

  /** The job now shows on `target` (its reply, or a message that replaced it). */
  point(jobId: string, tracked: TrackedJob, target: MessageTarget): void {
    tracked.target = target;
    this.#byMessage.set(target.messageId, jobId);
  }

  /** The job's message is no longer followed: its state and images leave memory. */
  forget(jobId: string): void {
    this.#jobs.delete(jobId);
    for (const [messageId, id] of this.#byMessage) if (id === jobId) this.#byMessage.delete(messageId);
  }
}

/**
 * Puts a succeeded job's images in its view, converted or shrunk to fit Discord's upload limit;
 * several images get a grid first, which the message shows (the originals follow it).
 */
export async function attachImages(tracked: TrackedJob, files: readonly RunOutputFile[]): Promise<void> {
  const originals = files.map((file) => ({
    name: file.filename.split("/").pop() ?? file.filename,
    bytes: Buffer.from(file.data),
    mime: file.contentType ?? "image/png",
  }));
  const grid = originals.length > 1 ? [await makeGrid(originals)] : [];
  const fitted = await fitAttachments([...grid, ...originals], tracked.attachmentLimit);
  const images = fitted.images.map((image, index) =>
    index < grid.length ? { ...image, grid: true } : image,
  );
  tracked.files = files;
  tracked.state = { ...tracked.state, images, convertedNote: fitted.note };
}
