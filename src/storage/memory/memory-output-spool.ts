import type { RunOutputFile } from "../../queue/dispatcher.js";
import type { OutputSpool } from "../../queue/output-spool.js";

/** Output files in a Map, for tests and the terminal's `generate`. Keeps copies of the bytes. */
export class MemoryOutputSpool implements OutputSpool {
  readonly #files = new Map<string, RunOutputFile[]>();

  async keep(jobId: string, files: readonly RunOutputFile[]): Promise<void> {
    this.#files.set(
      jobId,
      files.map((file) => ({ ...file, data: new Uint8Array(file.data) })),
    );
    return Promise.resolve();
  }

  async load(jobId: string): Promise<RunOutputFile[] | undefined> {
    const files = this.#files.get(jobId);
    return Promise.resolve(files?.map((file) => ({ ...file, data: new Uint8Array(file.data) })));
  }

  async discard(jobId: string): Promise<void> {
    this.#files.delete(jobId);
    return Promise.resolve();
  }

  /** Jobs with files kept, for tests. */
  get size(): number {
    return this.#files.size;
  }
}
