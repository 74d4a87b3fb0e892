import Keyv from "keyv";
import type { Logger } from "pino";
import { z } from "zod";
import { isClosed } from "../../../queue/job.js";
import { readRecord } from "../../read-record.js";
import { createDayTableSql, dayTableName, type DayTableSpec } from "../day-tables.js";
import { setAside } from "../set-aside.js";
import type { SqliteDatabase, SqliteSession } from "../sqlite-database.js";
import { finishedJobTables, resultTables } from "../tables.js";
import { convertLegacyJob, convertLegacyResult, legacyRateSchema } from "./legacy-records.js";

/** Old rows moved per transaction: a crash in between leaves both halves consistent. */
const batchRows = 500;

/** Keyv's row format: `{"value":…,"expires":…}` (expiry in epoch ms, or none). */
const envelopeSchema = z.object({ value: z.unknown(), expires: z.number().nullish() });

type Outcome = "imported" | { reason: string };

/** Where the moved records go: the transaction, and the day tables made so far. */
interface Target {
  session: SqliteSession;
  dayTables: Set<string>;
}

interface LegacyNamespace {
  name: string;
  /** Stores one old record in the new tables, or says why it cannot be converted. */
  move(target: Target, id: string, value: unknown, expires: number | undefined): Promise<Outcome>;
}

export interface ImportCounts {
  imported: number;
  /** Expired by Keyv's TTL: Keyv already treated them as absent. */
  expired: number;
  setAside: number;
}

const namespaces: LegacyNamespace[] = [
  // The history first: a job a crash left in both namespaces keeps its finished copy.
  { name: "job-history", move: moveJob },
  { name: "jobs", move: moveJob },
  { name: "results", move: moveResult },
  { name: "rate-limits", move: moveRate },
];

/**
 * Moves the records of a data file written before the own tables (jobs, job history, result
 * links and rate limits in Keyv's `keyv` table) into `jobs`, `results` and `rate_limits`,
 * converting them to today's formats. A record that cannot be converted goes to `set_aside`
 * with the reason, never lost. Each batch deletes the old rows it moved in the same
 * transaction, so the import resumes where it stopped after a crash, and a file with no old
 * rows left costs four index probes. Settings, meta and ETA records stay where they are.
 */
export async function importLegacyRecords(
  db: SqliteDatabase,
  logger: Logger,
  now: number,
): Promise<ImportCounts> {
  const counts: ImportCounts = { imported: 0, expired: 0, setAside: 0 };
  // A Keyv with no store, for its public parser: Keyv escaped strings starting with ':'.
  const parser = new Keyv();
  const dayTables = new Set<string>();
  for (const namespace of namespaces) {
    const lower = `${namespace.name}:`;
    const upper = `${namespace.name};`; // ';' follows ':' in ASCII: [ns:, ns;) is the namespace
    for (;;) {
      const moved = await db.transaction(async (session) => {
        const rows = await session.all<{ key: string; value: string | null }>(
          "SELECT key, value FROM keyv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?",
          lower,
          upper,
          batchRows,
        );
        for (const row of rows) {
          const id = row.key.slice(lower.length);
          const outcome = await moveRow({ session, dayTables }, namespace, parser, id, row.value, now);
          if (outcome === "imported" || outcome === "expired") {
            counts[outcome]++;
            continue;
          }
          counts.setAside++;
          await setAside(
            session,
            {
              source: `keyv:${namespace.name}`,
              recordId: id,
              userId: namespace.name === "rate-limits" ? id : userIdIn(row.value),
              reason: outcome.reason,
              data: row.value ?? undefined,
            },
            now,
          );
          logger.warn(
            { namespace: namespace.name, id, reason: outcome.reason },
            "set aside an old record that cannot be converted",
          );
        }
        await session.run(
          "DELETE FROM keyv WHERE key IN (SELECT value FROM json_each(?))",
          JSON.stringify(rows.map((row) => row.key)),
        );
        return rows.length;
      });
      if (moved < batchRows) break;
    }
  }
  if (counts.imported + counts.expired + counts.setAside > 0) {
    logger.info({ ...counts, file: db.file }, "moved the records of the old data format into the new tables");
  }
  return counts;
}

async function moveRow(
  target: Target,
  namespace: LegacyNamespace,
  parser: Keyv,
  id: string,
  text: string | null,
  now: number,
): Promise<Outcome | "expired"> {
  let raw: unknown;
  try {
    raw = text === null ? undefined : await parser.deserializeData(text);
  } catch (error) {
    return { reason: `not JSON (${(error as Error).message})` };
  }
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return { reason: "not a Keyv record ({value, expires})" };
  const expires = envelope.data.expires ?? undefined;
  if (expires !== undefined && expires <= now) return "expired";
  return namespace.move(target, id, envelope.data.value, expires);
}

async function moveJob({ session, dayTables }: Target, id: string, value: unknown): Promise<Outcome> {
  const converted = convertLegacyJob(value);
  if (!converted.ok) return { reason: converted.reason };
  const job = converted.value;
  if (job.id !== id) return { reason: `stored under id ${id} but says ${job.id}` };
  if (!isClosed(job)) {
    await session.run(
      "INSERT INTO jobs (id, seq, user_id, guild_id, state, job) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
      job.id,
      job.seq,
      job.userId,
      job.guildId,
      job.state,
      JSON.stringify(job),
    );
    return "imported";
  }
  const table = await dayTable(session, dayTables, finishedJobTables, job.finishedAt);
  await session.run(
    `INSERT INTO ${table} (id, seq, user_id, guild_id, state, finished_at, job) VALUES (?, ?, ?, ?, ?, ?, ?) ` +
      "ON CONFLICT (id) DO NOTHING",
    job.id,
    job.seq,
    job.userId,
    job.guildId,
    job.state,
    job.finishedAt,
    JSON.stringify(job),
  );
  return "imported";
}

async function moveResult({ session, dayTables }: Target, id: string, value: unknown): Promise<Outcome> {
  const converted = convertLegacyResult(value);
  if (!converted.ok) return { reason: converted.reason };
  const entry = converted.value;
  const table = await dayTable(session, dayTables, resultTables, entry.createdAt);
  await session.run(
    `INSERT INTO ${table} (message_id, user_id, guild_id, channel_id, created_at, entry) VALUES (?, ?, ?, ?, ?, ?) ` +
      "ON CONFLICT (message_id) DO NOTHING",
    entry.messageId,
    entry.userId,
    entry.guildId,
    entry.channelId,
    entry.createdAt,
    JSON.stringify(entry),
  );
  return "imported";
}

async function moveRate(
  { session }: Target,
  userId: string,
  value: unknown,
  expires: number | undefined,
): Promise<Outcome> {
  const parsed = legacyRateSchema.safeParse(value);
  if (!parsed.success) return { reason: "not a rate-limit record ({hits})" };
  const { hits } = parsed.data;
  // The limiter always wrote a TTL of one window; without one, keep it a day past its last hit.
  const expiresAt = expires ?? Math.max(0, ...hits) + 86_400_000;
  await session.run(
    "INSERT INTO rate_limits (user_id, hits, expires_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
    userId,
    JSON.stringify(hits),
    expiresAt,
  );
  return "imported";
}

/** The day's table for `time`, created on first use (the store reads the list from the schema). */
async function dayTable(
  session: SqliteSession,
  made: Set<string>,
  spec: DayTableSpec,
  time: number,
): Promise<string> {
  const table = dayTableName(spec, time);
  if (!made.has(table)) {
    await session.exec(createDayTableSql(spec, table));
    made.add(table);
  }
  return table;
}

/** The owner of an unconvertible record, when its text says, so `/forget-me` still finds it. */
function userIdIn(text: string | null): string | undefined {
  if (text === null) return undefined;
  const read = readRecord(z.object({ value: z.object({ userId: z.string() }) }), text);
  return read.ok ? read.value.value.userId : undefined;
}
