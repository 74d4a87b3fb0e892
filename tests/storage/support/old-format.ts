import Keyv from "keyv";
import sqlite3 from "sqlite3";

/**
 * Writes a data file the way comfycord wrote it before the own tables (up to 005acb5):
 * everything in @keyv/sqlite's `keyv` table, keyed `<namespace>:<id>`, each value Keyv's
 * `{"value":…,"expires":…}` JSON made by Keyv's own serializer, auto_vacuum off, WAL on.
 */
export async function writeOldFormatFile(
  file: string,
  records: ReadonlyArray<{ key: string; value: unknown; expires?: number } | { key: string; raw: string }>,
): Promise<void> {
  const keyv = new Keyv();
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(file, (error) =>
      error ? reject(error) : resolve(opened),
    );
  });
  const run = async (sql: string, ...params: unknown[]) =>
    new Promise<void>((resolve, reject) =>
      db.run(sql, params, (error) => (error ? reject(error) : resolve())),
    );
  await run("PRAGMA journal_mode=WAL");
  await run("CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT )");
  await run("BEGIN");
  for (const record of records) {
    const text =
      "raw" in record
        ? record.raw
        : await keyv.serializeData({ value: record.value, expires: record.expires });
    if (typeof text !== "string") throw new Error("Keyv's serializer returned no text");
    await run("INSERT INTO keyv (key, value) VALUES (?, ?)", record.key, text);
  }
  await run("COMMIT");
  await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}

/** A job as 005acb5's `newJob` and queue wrote it: one flat `params` bag with the extras in it. */
export function oldJob(fields: Record<string, unknown> & { id: string; seq: number; state: string }) {
  return {
    userId: "111111111111111111",
    guildId: "g1",
    channelId: "c1",
    messages: [{ channelId: "c1", messageId: `m-${fields.id}`, postedAt: 1_700_000_000_000 }],
    workflow: "sdxl",
    params: {
      prompt: "a lighthouse at dusk",
      negative: "lowres, text, blurry",
      seed: 1234,
      steps: 30,
      cfg: 7,
      width: 1024,
      height: 1024,
      model: "sdxl_base.safetensors",
      sampler: "euler",
      scheduler: "normal",
      denoise: 1,
      batch: 2,
      userNegative: "blurry",
    },
    priority: false,
    attempts: 0,
    requeues: 0,
    createdAt: 1_700_000_000_000,
    queuedAt: 1_700_000_000_000,
    ...fields,
  };
}
