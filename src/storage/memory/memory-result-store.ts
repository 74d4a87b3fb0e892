import { pino, type Logger } from "pino";
import {
  resultEntrySchema,
  type ResultEntry,
  type ResultPage,
  type ResultPageQuery,
  type ResultStore,
} from "../../history/result-store.js";
import { readRecord } from "../read-record.js";

/** One stored result as a store holds it: the fields it is found by and the entry as JSON text. */
export interface StoredResultRow {
  messageId: string;
  userId: string;
  guildId: string;
  createdAt: number;
  text: string;
}

export interface MemoryResultStoreOptions {
  logger?: Logger;
  /** Rows already there, as another writer left them (tests plant unreadable ones this way). */
  rows?: Iterable<StoredResultRow>;
}

/** Result links in a Map, kept as JSON text like the SQLite store; for tests and `generate`. */
export class MemoryResultStore implements ResultStore {
  readonly #rows = new Map<string, StoredResultRow>();
  readonly #logger: Logger;

  constructor(options: MemoryResultStoreOptions = {}) {
    this.#logger = options.logger ?? pino({ level: "silent" });
    for (const row of options.rows ?? []) this.#rows.set(row.messageId, { ...row });
  }

  async record(entry: ResultEntry): Promise<void> {
    const valid = resultEntrySchema.parse(entry);
    this.#rows.set(valid.messageId, {
      messageId: valid.messageId,
      userId: valid.userId,
      guildId: valid.guildId,
      createdAt: valid.createdAt,
      text: JSON.stringify(valid),
    });
    return Promise.resolve();
  }

  async get(messageId: string): Promise<ResultEntry | undefined> {
    const row = this.#rows.get(messageId);
    return Promise.resolve(row === undefined ? undefined : this.#read(row));
  }

  async remove(messageId: string): Promise<boolean> {
    return Promise.resolve(this.#rows.delete(messageId));
  }

  async page(query: ResultPageQuery): Promise<ResultPage> {
    const mine = [...this.#rows.values()]
      .filter((row) => row.userId === query.userId && row.guildId === query.guildId)
      .sort((a, b) => b.createdAt - a.createdAt || (b.messageId < a.messageId ? -1 : 1));
    const entries: ResultEntry[] = [];
    for (const row of mine.slice(query.offset, query.offset + query.limit)) {
      const entry = this.#read(row);
      if (entry) entries.push(entry);
    }
    return Promise.resolve({ entries, total: mine.length });
  }

  async forgetUser(userId: string): Promise<number> {
    let count = 0;
    for (const [id, row] of this.#rows) {
      if (row.userId === userId) {
        this.#rows.delete(id);
        count++;
      }
    }
    return Promise.resolve(count);
  }

  async pruneBefore(cutoff: number): Promise<number> {
    let count = 0;
    for (const [id, row] of this.#rows) {
      if (row.createdAt < cutoff) {
        this.#rows.delete(id);
        count++;
      }
    }
    return Promise.resolve(count);
  }

  #read(row: StoredResultRow): ResultEntry | undefined {
    const read = readRecord(resultEntrySchema, row.text);
    if (read.ok) return read.value;
    this.#logger.warn(
      { messageId: row.messageId, reason: read.reason },
      "a stored result cannot be read back",
    );
    return undefined;
  }
}
