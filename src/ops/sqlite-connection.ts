import sqlite3 from "sqlite3";

/** A promise face over one node-sqlite3 connection: only what backups and restores need. */
export interface SqliteConnection {
  run(sql: string, ...params: unknown[]): Promise<void>;
  all<Row>(sql: string, ...params: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export type OpenMode = "read-only" | "read-write";

/** Opens an existing database file; never creates one (a typo must not leave an empty file behind). */
export async function openSqlite(
  file: string,
  mode: OpenMode,
  busyTimeoutMs = 10_000,
): Promise<SqliteConnection> {
  const flags = mode === "read-only" ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE;
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(file, flags, (error) =>
      error ? reject(error) : resolve(opened),
    );
  });
  db.configure("busyTimeout", busyTimeoutMs);
  return {
    run: async (sql, ...params) =>
      new Promise<void>((resolve, reject) => {
        db.run(sql, params, (error: Error | null) => (error ? reject(error) : resolve()));
      }),
    all: async <Row>(sql: string, ...params: unknown[]) =>
      new Promise<Row[]>((resolve, reject) => {
        db.all<Row>(sql, params, (error, rows) => (error ? reject(error) : resolve(rows)));
      }),
    close: async () =>
      new Promise<void>((resolve, reject) => {
        db.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
