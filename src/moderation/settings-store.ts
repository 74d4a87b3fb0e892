import { z } from "zod";
import { settingsLayerSchema } from "./settings-schema.js";

/** One server's or channel's layer of rules. */
export const settingsRecordSchema = z.strictObject({
  /** Kept on channel records so a server's channels can be listed without Discord. */
  guildId: z.string(),
  settings: settingsLayerSchema,
});
export type SettingsRecord = z.infer<typeof settingsRecordSchema>;

/**
 * The moderators' settings layers, keyed `guild:<id>` or `channel:<id>` (see `scopeKey`).
 * Declared here by moderation, implemented in `src/storage`. Every method rejects when the
 * store failed.
 */
export interface SettingsStore {
  get(key: string): Promise<SettingsRecord | undefined>;
  set(key: string, record: SettingsRecord): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every channel record of one server, as `[channelId, record]`. */
  channelsOf(guildId: string): Promise<Array<[string, SettingsRecord]>>;
}
