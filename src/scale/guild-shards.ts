/** The Discord shards a bot process runs: `DISCORD_SHARD_IDS` of `DISCORD_SHARD_COUNT`. */
export interface ShardPlan {
  ids: readonly number[];
  count: number;
}

/**
 * Which servers' events reach this process. Discord sends a server's events to shard
 * `(server id >> 22) % shard count`, so the process running that shard is the one that hears the
 * server's interactions and reactions, and the one that edits its jobs' messages: a channel's
 * progress edits, and so its edit budget, live in one process. Without a plan, one process runs
 * every shard and owns every server.
 */
export class GuildShards {
  readonly #plan: ShardPlan | undefined;
  readonly #ids: ReadonlySet<number>;

  constructor(plan?: ShardPlan) {
    this.#plan = plan;
    this.#ids = new Set(plan?.ids ?? []);
  }

  /** The plan, for discord.js's client (`shards`, `shardCount`); undefined: every shard. */
  get plan(): ShardPlan | undefined {
    return this.#plan;
  }

  owns(guildId: string): boolean {
    if (!this.#plan) return true;
    return this.#ids.has(shardOfGuild(guildId, this.#plan.count));
  }
}

/** Discord's rule: `(guild_id >> 22) % shard_count`. An id that is not a snowflake goes to shard 0. */
export function shardOfGuild(guildId: string, count: number): number {
  if (!/^\d+$/.test(guildId)) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}
