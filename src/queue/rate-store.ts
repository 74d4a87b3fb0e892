/**
 * The members' recent admission times, for the sliding-window rate limit. Declared by the queue,
 * implemented in `src/storage`. Every method rejects when the store failed.
 */
export interface RateStore {
  /** The member's stored admission times (epoch ms), in no promised order; empty when none. */
  hits(userId: string): Promise<number[]>;
  /**
   * Replaces the member's admission times. After `expiresAt` the record may be dropped: by
   * then every hit in it is outside the window.
   */
  save(userId: string, hits: readonly number[], expiresAt: number): Promise<void>;
  /** Deletes the member's record; returns whether there was one. */
  forgetUser(userId: string): Promise<boolean>;
}
