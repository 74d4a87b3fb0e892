import type Keyv from "keyv";
import type { Logger } from "pino";
import type { z } from "zod";

/**
 * One namespace of the store with zod-checked reads. A record that no longer matches its
 * schema (a hand-edited file, a downgrade) is logged and treated as absent: one bad row
 * must never take the bot down.
 */
export class Collection<T> {
  readonly #keyv: Keyv;
  readonly #schema: z.ZodType<T>;
  readonly #logger: Logger;

  constructor(keyv: Keyv, schema: z.ZodType<T>, logger: Logger) {
    this.#keyv = keyv;
    this.#schema = schema;
    this.#logger = logger;
  }

  async get(id: string): Promise<T | undefined> {
    const raw: unknown = await this.#keyv.get(id);
    return raw === undefined ? undefined : this.#check(id, raw);
  }

  async set(id: string, value: T, options: { ttlMs?: number } = {}): Promise<void> {
    await this.#keyv.set(id, value, options.ttlMs);
  }

  async delete(id: string): Promise<boolean> {
    return this.#keyv.delete(id);
  }

  async deleteMany(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.#keyv.deleteMany([...ids]);
  }

  async has(id: string): Promise<boolean> {
    return this.#keyv.has(id);
  }

  async clear(): Promise<void> {
    await this.#keyv.clear();
  }

  /** Every valid record, in no promised order. */
  async *entries(): AsyncGenerator<[string, T]> {
    const iterator = this.#keyv.iterator;
    if (!iterator) throw new Error("this Keyv store cannot list its records");
    // Keyv hands back keys without the namespace prefix.
    for await (const [id, raw] of iterator(undefined) as AsyncGenerator<[string, unknown]>) {
      const value = this.#check(id, raw);
      if (value !== undefined) yield [id, value];
    }
  }

  #check(id: string, raw: unknown): T | undefined {
    const parsed = this.#schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    this.#logger.warn(
      { id, issues: parsed.error.issues.slice(0, 3) },
      "skipping a stored record that does not match its schema",
    );
    return undefined;
  }
}
