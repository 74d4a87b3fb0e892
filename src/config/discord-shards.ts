import { z } from "zod";

/** `DISCORD_SHARD_IDS`: the shards this process connects, e.g. `0,1`. */
export const shardIdsSchema = z
  .string()
  .optional()
  .transform((text, context): number[] | undefined => {
    if (text === undefined) return undefined;
    const parts = text.split(",").map((part) => part.trim());
    if (parts.some((part) => !/^\d+$/.test(part))) {
      context.addIssue({
        code: "custom",
        message: "expected shard ids separated by commas, e.g. 0,1 (whole numbers from 0)",
        input: text,
      });
      return z.NEVER;
    }
    const ids = parts.map(Number);
    if (new Set(ids).size !== ids.length) {
      context.addIssue({ code: "custom", message: "expected each shard id once", input: text });
      return z.NEVER;
    }
    return ids.sort((a, b) => a - b);
  });

/** `DISCORD_SHARD_COUNT`: how many shards the bot has in total, over every process. */
export const shardCountSchema = z.coerce
  .number({ error: "expected the total number of shards, a whole number from 1" })
  .int("expected the total number of shards, a whole number from 1")
  .min(1, "expected the total number of shards, a whole number from 1")
  .optional();

/**
 * Both keys or neither (then one process runs every shard); every id below the count. Added to
 * the environment schema, so the start-up error names the key to fix.
 */
export function checkShardPair(
  env: { DISCORD_SHARD_IDS?: number[] | undefined; DISCORD_SHARD_COUNT?: number | undefined },
  context: z.RefinementCtx,
): void {
  const ids = env.DISCORD_SHARD_IDS;
  const count = env.DISCORD_SHARD_COUNT;
  if (ids === undefined && count === undefined) return;
  if (ids === undefined) {
    context.addIssue({
      code: "custom",
      path: ["DISCORD_SHARD_IDS"],
      message: "expected the shards this process runs (e.g. 0,1), since DISCORD_SHARD_COUNT is set",
      input: undefined,
    });
    return;
  }
  if (count === undefined) {
    context.addIssue({
      code: "custom",
      path: ["DISCORD_SHARD_COUNT"],
      message: "expected the total number of shards (e.g. 4), since DISCORD_SHARD_IDS is set",
      input: undefined,
    });
    return;
  }
  // A count below 1 is reported by its own schema.
  if (count < 1) return;
  const outside = ids.filter((id) => id >= count);
  if (outside.length > 0) {
    context.addIssue({
      code: "custom",
      path: ["DISCORD_SHARD_IDS"],
      message: `expected shard ids below DISCORD_SHARD_COUNT (${count}), from 0 to ${count - 1}`,
      input: ids.join(","),
    });
  }
}

/** The checked pair as one value; undefined when this process runs every shard. */
/** The environment variables that choose a process's shards. */
export interface ShardEnv {
  DISCORD_SHARD_IDS?: number[] | undefined;
  DISCORD_SHARD_COUNT?: number | undefined;
}

export function shardPlanOf(env: ShardEnv): { ids: number[]; count: number } | undefined {
  const ids = env.DISCORD_SHARD_IDS;
  const count = env.DISCORD_SHARD_COUNT;
  return ids === undefined || count === undefined ? undefined : { ids, count };
}
