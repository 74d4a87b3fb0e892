import type { MetaStore } from "../meta-store.js";

/** Named strings in a Map, for tests and `generate`. */
export class MemoryMetaStore implements MetaStore {
  readonly #values = new Map<string, string>();

  async get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.#values.get(key));
  }

  async set(key: string, value: string): Promise<void> {
    this.#values.set(key, value);
    return Promise.resolve();
  }

  async delete(key: string): Promise<boolean> {
    return Promise.resolve(this.#values.delete(key));
  }
}
