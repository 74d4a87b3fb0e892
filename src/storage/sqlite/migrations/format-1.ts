/**
 * Data format 1: the own tables as first merged (one `jobs` table for every job, one `results`
 * table). Format 2 (`to-day-tables.ts`) splits finished jobs and result links into day tables.
 * Kept as it shipped: a migration is never edited, only followed by another.
 */
export const formatOneSql = `
      -- Keyv's own table, as @keyv/sqlite creates it: settings, meta and ETA records live here.
      CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT );

      -- Every job, unfinished and finished; the whole job as JSON, the fields queries need as columns.
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        guild_id TEXT NOT NULL,
        state TEXT NOT NULL,
        finished_at INTEGER,
        job TEXT NOT NULL
      );
      CREATE INDEX jobs_by_seq ON jobs (seq);
      -- Start-up reads only these: unfinished jobs in admission order.
      CREATE INDEX jobs_unfinished ON jobs (seq) WHERE finished_at IS NULL;
      CREATE INDEX jobs_by_user ON jobs (user_id);
      CREATE INDEX jobs_by_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL;

      -- message id → what made the image, for 🎲, ❌ and /history.
      CREATE TABLE results (
        message_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        guild_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        entry TEXT NOT NULL
      );
      CREATE INDEX results_by_member ON results (user_id, guild_id, created_at, message_id);
      CREATE INDEX results_by_created_at ON results (created_at);

      -- One row per member: their recent admission times, until every one is outside the window.
      CREATE TABLE rate_limits (
        user_id TEXT PRIMARY KEY,
        hits TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX rate_limits_by_expiry ON rate_limits (expires_at);

      -- Records that could not be read back or converted: kept for an operator, never loaded.
      CREATE TABLE set_aside (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        record_id TEXT NOT NULL,
        user_id TEXT,
        reason TEXT NOT NULL,
        data TEXT,
        set_aside_at INTEGER NOT NULL
      );
      CREATE INDEX set_aside_by_user ON set_aside (user_id);
`;
