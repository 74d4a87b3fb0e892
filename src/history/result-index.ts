import { z } from "zod";
import type { Store } from "../store/store.js";

/** What a posted result needs for 🎲, ❌ and `/history`, kept even after its job record is pruned. */
export const resultEntrySchema = z.object({
  messageId: z.string(),
  channelId: z.string(),
  guildId: z.string(),
  userId: z.string(),
  jobId: z.string(),
  workflow: z.string(),
  params: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
});
export type ResultEntry = z.infer<typeof resultEntrySchema>;

/**
 * `message id → job parameters` for every result the bot posted, persisted so a reroll works on
 * any result, from before a restart too, until retention removes it.
 */
export class ResultIndex {
  readonly #entries;

  constructor(store: Store) {
    this.#entries = store.collection("results", resultEntrySchema);
  }

  async record(entry: ResultEntry): Promise<void> {
    await this.#entries.set(entry.messageId, entry);
  }

  async get(messageId: string): Promise<ResultEntry | undefined> {
    return this.#entries.get(messageId);
  }

  async remove(messageId: string): Promise<boolean> {
    return this.#entries.delete(messageId);
  }

  /** Every entry, for retention, `/history` and `/forget-me`. */
  async *all(): AsyncGenerator<ResultEntry> {
    for await (const [, entry] of this.#entries.entries()) yield entry;
  }

  /** Entries created before `cutoff` (epoch ms) are deleted; returns how many. */
  async pruneBefore(cutoff: number): Promise<number> {
    const expired: string[] = [];
    for await (const entry of this.all()) if (entry.createdAt < cutoff) expired.push(entry.messageId);
    await this.#entries.deleteMany(expired);
    return expired.length;
  }

  /** Deletes every entry of one member; returns how many. */
  async forgetUser(userId: string): Promise<number> {
    const owned: string[] = [];
    for await (const entry of this.all()) if (entry.userId === userId) owned.push(entry.messageId);
    await this.#entries.deleteMany(owned);
    return owned.length;
  }
}
