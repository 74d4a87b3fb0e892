import type { SqliteSession } from "./sqlite-database.js";

/** What the `set_aside` table keeps of a record: enough for an operator to read or repair it. */
export interface SetAsideRow {
  /** Where it came from: `jobs`, `results`, or `keyv:<namespace>` for the old format. */
  source: string;
  recordId: string;
  userId: string | undefined;
  reason: string;
  /** The record as it was stored. */
  data: string | undefined;
}

export async function setAside(session: SqliteSession, row: SetAsideRow, at: number): Promise<void> {
  await session.run(
    "INSERT INTO set_aside (source, record_id, user_id, reason, data, set_aside_at) VALUES (?, ?, ?, ?, ?, ?)",
    row.source,
    row.recordId,
    row.userId ?? null,
    row.reason,
    row.data ?? null,
    at,
  );
}
