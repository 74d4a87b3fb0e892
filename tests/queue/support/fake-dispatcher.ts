import {
  RunError,
  type BackendChoice,
  type Dispatcher,
  type RunContext,
  type RunOutputFile,
  type RunOutputs,
} from "../../../src/queue/dispatcher.js";
import type { JobErrorCode } from "../../../src/queue/job-error.js";
import type { InFlightJob, Job, JobRun } from "../../../src/queue/job.js";

/** Codes a real dispatcher reports as faults of the backend rather than of the job. */
const backendFaults: ReadonlySet<JobErrorCode> = new Set(["comfy_lost", "comfy_unreachable"]);

/** The error a dispatcher rejects with for `code`. */
export function runError(code: JobErrorCode, message: string = code): RunError {
  return new RunError(code, message, { retryable: backendFaults.has(code) });
}

interface FakeBackend {
  id: string;
  slots: number;
  online: boolean;
  supports: (job: Job) => boolean;
}

export interface FakeRun {
  job: InFlightJob;
  backendId: string;
  mode: "run" | "attach";
  ctx: RunContext;
  resolve: (outputs: RunOutputs) => void;
  reject: (error: Error) => void;
  settled: boolean;
}

export type AttachAnswer =
  { kind: "finished"; files: RunOutputFile[] } | { kind: "pending" } | { kind: "lost" };

/**
 * A deterministic in-memory Dispatcher: runs stay pending until the test settles them, slots are
 * counted per backend, and every call is recorded.
 */
export class FakeDispatcher implements Dispatcher {
  readonly backends = new Map<string, FakeBackend>();
  readonly runs: FakeRun[] = [];
  readonly cancels: Array<{ jobId: string | undefined; promptId: string; backendId: string }> = [];
  attachAnswer: (job: Job) => AttachAnswer = () => ({ kind: "lost" });
  readonly #listeners = new Set<() => void>();

  constructor(backends: Array<Partial<FakeBackend> & { id: string }> = [{ id: "gpu-1" }]) {
    for (const backend of backends) {
      this.backends.set(backend.id, { slots: 2, online: true, supports: () => true, ...backend });
    }
  }

  /** Runs not yet settled. */
  get active(): FakeRun[] {
    return this.runs.filter((run) => !run.settled);
  }

  runOf(jobId: string): FakeRun {
    const run = [...this.runs]
      .reverse()
      .find((candidate) => candidate.job.id === jobId && !candidate.settled);
    if (!run) throw new Error(`no active run for ${jobId}`);
    return run;
  }

  hasFreeSlot(): boolean {
    return [...this.backends.values()].some((backend) => this.#free(backend) > 0);
  }

  onlineCount(): number {
    return [...this.backends.values()].filter((backend) => backend.online).length;
  }

  pickBackend(job: Job): BackendChoice {
    const capable = [...this.backends.values()].filter((backend) => backend.supports(job));
    if (capable.length === 0) return { kind: "unsupported", message: `no backend runs ${job.workflow}` };
    const free = capable
      .filter((backend) => this.#free(backend) > 0)
      .sort((a, b) => this.#free(b) - this.#free(a))[0];
    return free ? { kind: "backend", backendId: free.id } : { kind: "busy" };
  }

  async run(job: InFlightJob, ctx: RunContext): Promise<RunOutputs> {
    return this.#start(job, ctx, "run");
  }

  async attach(job: InFlightJob, ctx: RunContext): Promise<RunOutputs> {
    const answer = this.attachAnswer(job);
    if (answer.kind === "finished") return { files: answer.files };
    if (answer.kind === "lost") throw runError("comfy_lost", "prompt not found after restart");
    return this.#start(job, ctx, "attach");
  }

  async cancel(run: JobRun): Promise<void> {
    const active = this.active.find((candidate) => candidate.job.run.promptId === run.promptId);
    this.cancels.push({ jobId: active?.job.id, promptId: run.promptId, backendId: run.backend });
    active?.reject(runError("comfy_interrupted", "cancelled"));
    await Promise.resolve();
  }

  onCapacity(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setOnline(backendId: string, online: boolean): void {
    const backend = this.backends.get(backendId);
    if (!backend) throw new Error(`unknown backend ${backendId}`);
    backend.online = online;
    if (online) this.#notify();
  }

  setSlots(backendId: string, slots: number): void {
    const backend = this.backends.get(backendId);
    if (!backend) throw new Error(`unknown backend ${backendId}`);
    backend.slots = slots;
    this.#notify();
  }

  complete(jobId: string, files: RunOutputFile[] = [image("out.png")]): void {
    this.runOf(jobId).resolve({ files });
  }

  fail(jobId: string, code: JobErrorCode | Error, message = String(code)): void {
    this.runOf(jobId).reject(typeof code === "string" ? runError(code, message) : code);
  }

  #free(backend: FakeBackend): number {
    if (!backend.online) return 0;
    return backend.slots - this.active.filter((run) => run.backendId === backend.id).length;
  }

  #start(job: InFlightJob, ctx: RunContext, mode: "run" | "attach"): Promise<RunOutputs> {
    return new Promise<RunOutputs>((resolve, reject) => {
      const run: FakeRun = {
        job,
        backendId: job.run.backend,
        mode,
        ctx,
        settled: false,
        resolve: (outputs) => {
          run.settled = true;
          resolve(outputs);
          this.#notify();
        },
        reject: (error) => {
          run.settled = true;
          reject(error);
          this.#notify();
        },
      };
      this.runs.push(run);
      ctx.signal.addEventListener("abort", () => run.reject(runError("comfy_interrupted", "detached")));
    });
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

export function image(filename: string, bytes = 16): RunOutputFile {
  return {
    nodeId: "9",
    filename,
    subfolder: "",
    type: "output",
    contentType: "image/png",
    data: new Uint8Array(bytes),
  };
}
