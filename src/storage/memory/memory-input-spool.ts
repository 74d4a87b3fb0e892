import { randomUUID } from "node:crypto";
import type { InputImage, InputSpool } from "../../queue/input-spool.js";

interface Kept {
  ownerId: string;
  image: InputImage;
  keptAt: number;
}

/** Input pictures in a Map, for tests and the terminal's `generate`. Keeps copies of the bytes. */
export class MemoryInputSpool implements InputSpool {
  readonly #kept = new Map<string, Kept>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async keep(ownerId: string, image: InputImage): Promise<string> {
    const ref = `${ownerId}/${randomUUID()}`;
    this.#kept.set(ref, {
      ownerId,
      image: { bytes: new Uint8Array(image.bytes), contentType: image.contentType },
      keptAt: this.#now(),
    });
    return Promise.resolve(ref);
  }

  async load(ref: string): Promise<InputImage | undefined> {
    const kept = this.#kept.get(ref);
    return Promise.resolve(
      kept && { bytes: new Uint8Array(kept.image.bytes), contentType: kept.image.contentType },
    );
  }

  async forgetOwner(ownerId: string): Promise<number> {
    return Promise.resolve(this.#deleteWhere((kept) => kept.ownerId === ownerId));
  }

  async pruneBefore(cutoff: number): Promise<number> {
    return Promise.resolve(this.#deleteWhere((kept) => kept.keptAt < cutoff));
  }

  #deleteWhere(matches: (kept: Kept) => boolean): number {
    let count = 0;
    for (const [ref, kept] of this.#kept) {
      if (matches(kept)) {
        this.#kept.delete(ref);
        count++;
      }
    }
    return count;
  }
}
