import sqlite3 from "sqlite3";

/**
 * Every row of every table in a SQLite file whose text mentions `needle`, as its table's name: a scan
 * of the whole file that knows nothing of the bot's tables, for tests that prove something is
 * gone (`/forget-me`). Opened read-only, so it runs beside the bot.
 */
export async function rowsMentioning(file: string, needle: string): Promise<string[]> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (error) =>
      error ? reject(error) : resolve(opened),
    );
  });
  const all = <T>(sql: string, ...params: unknown[]) =>
    new Promise<T[]>((resolve, reject) =>
      db.all<T>(sql, params, (error, rows) => (error ? reject(error) : resolve(rows))),
    );
  try {
    const tables = await all<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    );
    const hits: string[] = [];
    for (const { name } of tables) {
      const columns = await all<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, name);
      const text = columns
        .map((column) => `coalesce(CAST("${column.name}" AS TEXT), '')`)
        .join(" || ' ' || ");
      const rows = await all<{ hit: number }>(
        `SELECT 1 AS hit FROM "${name}" WHERE instr(${text}, ?) > 0`,
        needle,
      );
      for (const _row of rows) hits.push(name);
    }
    return hits;
  } finally {
    await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
  }
}
