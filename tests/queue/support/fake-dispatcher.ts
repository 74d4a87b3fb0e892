import type { Job } from "../../../src/queue/job.js";
import type {
  BackendChoice,
  Dispatcher,
  RunContext,
  RunOutputFile,
  RunOutputs,
} from "../../../src/queue/ports.js";

export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string = code,
  ) {
    super(message);
  }
}

interface FakeBackend {
  id: string;
  slots: number;
  online: boolean;
  supports: (job: Job) => boolean;
}

export interface FakeRun {
  job: Job;
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
  readonly cancels: Array<{ jobId: string; promptId: string | undefined; backendId: string }> = [];
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

  async run(job: Job, backendId: string, ctx: RunContext): Promise<RunOutputs> {
    return this.#start(job, backendId, ctx, "run");
  }

  async attach(job: Job, backendId: string, ctx: RunContext): Promise<RunOutputs> {
    const answer = this.attachAnswer(job);
    if (answer.kind === "finished") return { files: answer.files };
    if (answer.kind === "lost") throw new CodedError("comfy_lost", "prompt not found after restart");
    return this.#start(job, backendId, ctx, "attach");
  }

  async cancel(job: Job, backendId: string): Promise<void> {
    this.cancels.push({ jobId: job.id, promptId: job.promptId, backendId });
    const run = this.active.find((candidate) => candidate.job.id === job.id);
    run?.reject(new CodedError("comfy_cancelled"));
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

  fail(jobId: string, code: string | Error, message = String(code)): void {
    this.runOf(jobId).reject(typeof code === "string" ? new CodedError(code, message) : code);
  }

  #free(backend: FakeBackend): number {
    if (!backend.online) return 0;
    return backend.slots - this.active.filter((run) => run.backendId === backend.id).length;
  }

  #start(job: Job, backendId: string, ctx: RunContext, mode: "run" | "attach"): Promise<RunOutputs> {
    return new Promise<RunOutputs>((resolve, reject) => {
      const run: FakeRun = {
        job,
        backendId,
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
      ctx.signal.addEventListener("abort", () => run.reject(new CodedError("comfy_cancelled", "detached")));
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
