import { z } from "zod";
import type { Store } from "../store/store.js";
import { sweepNamespace } from "../store/sweep-namespace.js";

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

/** One page of a member's results in one server, newest first. */
export interface ResultPage {
  entries: ResultEntry[];
  /** Every result of the member in that server. */
  total: number;
}

const storedEntrySchema = z.object({ value: resultEntrySchema });

/**
 * `message id → job parameters` for every result the bot posted, persisted so a reroll works on
 * any result, from before a restart too, until retention removes it.
 */
export class ResultIndex {
  readonly #entries;
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
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

  /**
   * A member's results in one server, newest first, `limit` from `offset`: for `/history`.
   * On a file store one indexed range scan of the namespace in SQL; Keyv's iterator would page
   * with OFFSET and rescan the table for every page.
   */
  async page(query: { userId: string; guildId: string; offset: number; limit: number }): Promise<ResultPage> {
    const sql = this.#store.sql();
    if (!sql) return this.#pageInMemory(query);
    const match =
      "key > 'results:' AND key < 'results;' AND json_valid(value) " +
      "AND json_extract(value, '$.value.userId') = ? AND json_extract(value, '$.value.guildId') = ?";
    // One scan gives the page and (through the window) the total; an empty page needs a count.
    const rows = await sql<{ value: string; total: number }>(
      `SELECT value, count(*) OVER () AS total FROM keyv WHERE ${match} ` +
        "ORDER BY json_extract(value, '$.value.createdAt') DESC, key DESC LIMIT ? OFFSET ?",
      query.userId,
      query.guildId,
      query.limit,
      query.offset,
    );
    let total = rows[0]?.total;
    if (total === undefined) {
      const [count] = await sql<{ total: number }>(
        `SELECT count(*) AS total FROM keyv WHERE ${match}`,
        query.userId,
        query.guildId,
      );
      total = count?.total ?? 0;
    }
    const entries: ResultEntry[] = [];
    for (const row of rows) {
      const parsed = storedEntrySchema.safeParse(JSON.parse(row.value));
      if (parsed.success) entries.push(parsed.data.value);
    }
    return { entries, total };
  }

  async #pageInMemory(query: { userId: string; guildId: string; offset: number; limit: number }) {
    const mine: ResultEntry[] = [];
    for await (const entry of this.all()) {
      if (entry.userId === query.userId && entry.guildId === query.guildId) mine.push(entry);
    }
    mine.sort((a, b) => b.createdAt - a.createdAt || (b.messageId < a.messageId ? -1 : 1));
    return { entries: mine.slice(query.offset, query.offset + query.limit), total: mine.length };
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

  /** Deletes every entry of one member, in every server; returns how many. */
  async forgetUser(userId: string): Promise<number> {
    const sql = this.#store.sql();
    if (sql) {
      return sweepNamespace(sql, {
        namespace: "results",
        where: "json_extract(value, '$.value.userId') = ?",
        params: [userId],
      });
    }
    const owned: string[] = [];
    for await (const entry of this.all()) if (entry.userId === userId) owned.push(entry.messageId);
    await this.#entries.deleteMany(owned);
    return owned.length;
  }
}
