import { createDayTableSql, dayTableName, type DayTableSpec } from "../day-tables.js";
import type { SqliteSession } from "../sqlite-database.js";
import { finishedJobTables, resultTables } from "../tables.js";

const day = 86_400_000;

/**
 * Data format 2: finished jobs and result links move from the one-table layout of format 1 into
 * one table per UTC day (`DayTables`), which retention drops whole; `jobs` keeps the unfinished
 * jobs only and loses its `finished_at` column. Runs in the migration's transaction.
 */
export async function toDayTables(session: SqliteSession): Promise<void> {
  await moveByDay(session, {
    from: "jobs",
    spec: finishedJobTables,
    columns: "id, seq, user_id, guild_id, state, finished_at, job",
    where: "finished_at IS NOT NULL",
  });
  await session.exec(
    "DELETE FROM jobs WHERE finished_at IS NOT NULL;" +
      "DROP INDEX IF EXISTS jobs_unfinished; DROP INDEX IF EXISTS jobs_by_finished_at;" +
      "ALTER TABLE jobs DROP COLUMN finished_at;",
  );
  await moveByDay(session, {
    from: "results",
    spec: resultTables,
    columns: "message_id, user_id, guild_id, channel_id, created_at, entry",
    where: "1",
  });
  await session.exec("DROP TABLE results");
}

async function moveByDay(
  session: SqliteSession,
  move: { from: string; spec: DayTableSpec; columns: string; where: string },
): Promise<void> {
  const time = move.spec.timeColumn;
  const days = await session.all<{ day: number }>(
    `SELECT DISTINCT ${time} / ${day} AS day FROM ${move.from} WHERE ${move.where}`,
  );
  for (const { day: index } of days) {
    const start = index * day;
    const table = dayTableName(move.spec, start);
    await session.exec(createDayTableSql(move.spec, table));
    await session.run(
      `INSERT INTO ${table} (${move.columns}) SELECT ${move.columns} FROM ${move.from} ` +
        `WHERE ${move.where} AND ${time} >= ? AND ${time} < ? ON CONFLICT DO NOTHING`,
      start,
      start + day,
    );
  }
}
