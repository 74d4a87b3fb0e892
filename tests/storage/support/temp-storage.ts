import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { openSqlite, type SqliteConnection } from "../../../src/ops/sqlite-connection.js";
import { dataFileName, openStorage, type OpenStorageOptions } from "../../../src/storage/open-storage.js";
import type { Storage } from "../../../src/storage/storage.js";

export const silent = pino({ level: "silent" });

export function tempDataDir(prefix = "comfycord-storage-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function dataFile(dataDir: string): string {
  return path.join(dataDir, dataFileName);
}

/** A logger whose lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

/** Storages a test file opened, closed after each test. */
export class OpenedStorages {
  readonly #open: Storage[] = [];

  async open(options: Partial<OpenStorageOptions> & { dataDir: string }): Promise<Storage> {
    const storage = await openStorage({ logger: silent, ...options });
    this.#open.push(storage);
    return storage;
  }

  async close(storage: Storage): Promise<void> {
    this.#open.splice(this.#open.indexOf(storage), 1);
    await storage.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map(async (storage) => storage.close()));
  }
}

/**
 * A second connection to the data file, as another process (or a hand edit) would have: for
 * planting rows the store did not write and reading what it did.
 */
export async function rawConnection(dataDir: string): Promise<SqliteConnection> {
  return openSqlite(dataFile(dataDir), "read-write", 0);
}

/** Creates the file with its tables, then writes `rows` into them through a second connection. */
export async function plantRows(
  dataDir: string,
  statements: ReadonlyArray<{ sql: string; params: unknown[] }>,
): Promise<void> {
  const storage = await openStorage({ dataDir, logger: silent });
  await storage.close();
  const raw = await rawConnection(dataDir);
  try {
    for (const { sql, params } of statements) await raw.run(sql, ...params);
  } finally {
    await raw.close();
  }
}
