import { z } from "zod";

/**
 * Per-channel rules. The same schema validates the `settings:` block of the
 * config file (the bot-wide defaults) and every `/settings set` a moderator
 * makes, so a value is either valid everywhere or nowhere.
 */
const positiveInt = z.int().positive();
const snowflake = z.string().regex(/^\d{17,20}$/, "expected a Discord id (17 to 20 digits)");

export const roleGrantSchema = z.strictObject({
  /** Replaces the rate for members with this role (the largest grant wins). */
  jobsPerWindow: positiveInt.optional(),
  maxQueuedPerUser: positiveInt.optional(),
  /** Served before members without a priority grant. */
  priority: z.boolean().optional(),
});
export type RoleGrant = z.infer<typeof roleGrantSchema>;

export const settingsShape = {
  enabled: z.boolean(),
  nsfw: z.enum(["off", "follow-channel", "on"]),
  bannedTerms: z.array(z.string().min(1).max(200)).max(500),
  negativePrefix: z.string().max(1000),
  /** Added to the negative prompt wherever NSFW output is not allowed. */
  sfwNegative: z.string().max(1000),
  maxSteps: positiveInt.max(500),
  maxWidth: positiveInt.max(8192),
  maxHeight: positiveInt.max(8192),
  maxPixels: positiveInt.max(8192 * 8192),
  maxCount: positiveInt.max(10),
  workflows: z.array(z.string().min(1)),
  models: z.array(z.string().min(1)),
  /** Styles (`styles[]` in the config) members may pick here; empty means all. */
  styles: z.array(z.string().min(1)),
  previews: z.boolean(),
  spoilerResults: z.boolean(),
  rerollBy: z.enum(["owner", "anyone"]),
  /** Members may attach an image to `/generate` (image to image). */
  imageInput: z.boolean(),
  jobsPerWindow: positiveInt,
  windowSeconds: positiveInt,
  maxQueuedPerUser: positiveInt,
  roleGrants: z.record(snowflake, roleGrantSchema),
  modLogChannel: snowflake,
} as const;

/** Every key optional: one layer (bot defaults, server, channel) sets only what it changes. */
export const settingsLayerSchema = z.strictObject(settingsShape).partial();
export type SettingsLayer = z.infer<typeof settingsLayerSchema>;
export type SettingKey = keyof typeof settingsShape;
export const settingKeys = Object.keys(settingsShape) as SettingKey[];
export const snowflakeSchema = snowflake;

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(settingsShape, key);
}
