import { z } from "zod";
import type { SweepOptions } from "../queue/job-store.js";
import { generationRequestSchema, jobParamsSchema } from "../request/generation-request.js";

/** What a posted result needs for 🎲, ❌ and `/history`, kept even after its job record is pruned. */
export const resultEntrySchema = z.object({
  messageId: z.string(),
  channelId: z.string(),
  guildId: z.string(),
  userId: z.string(),
  jobId: z.string(),
  workflow: z.string(),
  /** What the member asked for: a reroll sends it again with a new seed. */
  request: generationRequestSchema,
  /** The values the image was made with (the seed included), for `/history`. */
  params: jobParamsSchema,
  createdAt: z.number(),
});
export type ResultEntry = z.infer<typeof resultEntrySchema>;

/** One page of a member's results in one server, newest first. */
export interface ResultPage {
  entries: ResultEntry[];
  /** Every result of the member in that server. */
  total: number;
}

export interface ResultPageQuery {
  userId: string;
  guildId: string;
  offset: number;
  limit: number;
}

/**
 * `message id → what made the image` for every result the bot posted, so a reroll works on any
 * result, from before a restart too, until retention removes it. Declared here by the result
 * history, implemented in `src/storage`. Every method rejects when the store failed.
 */
export interface ResultStore {
  record(entry: ResultEntry): Promise<void>;
  get(messageId: string): Promise<ResultEntry | undefined>;
  /** Returns whether there was one. */
  remove(messageId: string): Promise<boolean>;
  /** A member's results in one server, newest first (ties: message id, descending). */
  page(query: ResultPageQuery): Promise<ResultPage>;
  /** Deletes every entry of one member, in every server; returns how many. */
  forgetUser(userId: string): Promise<number>;
  /** Deletes entries created before `cutoff` (epoch ms); returns how many. */
  pruneBefore(cutoff: number, options?: SweepOptions): Promise<number>;
}
