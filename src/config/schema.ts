import { z } from "zod";
import { hostLabelPattern, labelHosts, splitHostEntry } from "../comfy/backend-labels.js";
import { ceilingConflicts } from "../moderation/ceilings.js";
import { settingsLayerSchema, settingsShape } from "../moderation/settings-schema.js";
import { configDefaultSchema } from "../request/param-schemas.js";
import { bindingNames, boundRows, isDefaultable, type DefaultableBinding } from "../request/param-table.js";
import { defaults } from "./defaults.js";
import { checkShardPair, shardCountSchema, shardIdsSchema } from "./discord-shards.js";
import { loraConfigSchema, presetConflicts, styleConfigSchema } from "./preset-schema.js";
import { storeUrlSchema } from "./store-url.js";
import { timerMs, timerSeconds } from "./timer-duration.js";

// Messages are written for operators: the loader prints "<key>: <message>, got <value>".
const positiveInt = z
  .int({ error: "expected a positive integer" })
  .positive({ error: "expected a positive integer" });
const nonNegativeInt = z
  .int({ error: "expected a whole number (0 or more)" })
  .nonnegative({ error: "expected a whole number (0 or more)" });

/** `workflows[].defaults`: one optional key per binding that is not the prompt, the seed or the image. */
const workflowDefaultsShape = Object.fromEntries(
  boundRows.filter(isDefaultable).map((row) => [row.binding, configDefaultSchema(row).optional()]),
) as Record<DefaultableBinding, z.ZodOptional<z.ZodType<string | number>>>;

const bindingPath = z
  .string()
  .regex(/^[^.\s]+\.inputs\.[^.\s]+$/, 'expected "<nodeId>.inputs.<inputName>", for example "6.inputs.text"');

export const workflowConfigSchema = z.strictObject({
  /** Shown in `/generate workflow:`; Discord choice values are short, so keep it a slug. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "expected a lowercase slug of 1 to 32 characters"),
  /** ComfyUI "Export (API)" JSON, relative to the config file. */
  file: z.string().min(1),
  description: z.string().max(100).optional(),
  bindings: z.partialRecord(z.enum(bindingNames), bindingPath).optional(),
  defaults: z.strictObject(workflowDefaultsShape).optional(),
  /** Optional allow-list of checkpoints for this workflow. */
  models: z.array(z.string().min(1)).optional(),
});
export type WorkflowConfig = z.infer<typeof workflowConfigSchema>;

export const fileConfigSchema = z
  .strictObject({
    workflows: z.array(workflowConfigSchema).default([]),
    /** Prompt presets members pick with `/generate style:` (`src/presets/`). */
    styles: z.array(styleConfigSchema).default([]),
    /** The LoRAs members may pick with `/generate lora:`. */
    loras: z.array(loraConfigSchema).default([]),
    rateLimit: z
      .strictObject({
        jobsPerWindow: positiveInt.default(defaults.rateLimit.jobsPerWindow),
        windowSeconds: positiveInt.default(defaults.rateLimit.windowSeconds),
        maxQueuedPerUser: positiveInt.default(defaults.rateLimit.maxQueuedPerUser),
      })
      .prefault({}),
    queue: z
      .strictObject({
        maxSize: positiveInt.default(defaults.queue.maxSize),
        maxPerGuild: positiveInt.default(defaults.queue.maxPerGuild),
        maxRequeues: nonNegativeInt.default(defaults.queue.maxRequeues),
        shutdownGraceSeconds: timerSeconds({ zero: true }).default(defaults.queue.shutdownGraceSeconds),
      })
      .prefault({}),
    comfy: z
      .strictObject({
        maxOutputBytes: positiveInt.default(defaults.comfy.maxOutputBytes),
        maxOutputsPerJob: positiveInt.default(defaults.comfy.maxOutputsPerJob),
        maxOutputBytesPerJob: positiveInt.default(defaults.comfy.maxOutputBytesPerJob),
        maxJsonBytes: positiveInt.default(defaults.comfy.maxJsonBytes),
        maxFrameBytes: positiveInt.default(defaults.comfy.maxFrameBytes),
        pingIntervalSeconds: timerSeconds().default(defaults.comfy.pingIntervalSeconds),
        pongTimeoutSeconds: timerSeconds().default(defaults.comfy.pongTimeoutSeconds),
        timeouts: z
          .strictObject({
            startSeconds: timerSeconds().default(defaults.comfy.timeouts.startSeconds),
            nodeInactivitySeconds: timerSeconds().default(defaults.comfy.timeouts.nodeInactivitySeconds),
            overallSeconds: timerSeconds().default(defaults.comfy.timeouts.overallSeconds),
          })
          .prefault({}),
        breakerFailures: positiveInt.default(defaults.comfy.breakerFailures),
        breakerCooldownSeconds: timerSeconds().default(defaults.comfy.breakerCooldownSeconds),
      })
      .prefault({}),
    /** Bot-wide defaults for the per-channel rules; `/settings` overrides them per server and channel. */
    settings: settingsLayerSchema.default({}),
    /**
     * The operator's bounds on the per-channel limits. Only what is written is kept here: an unset
     * ceiling follows the bot's own default (`src/moderation/ceilings.ts`, `operatorCeilings`).
     */
    ceilings: z
      .strictObject({
        jobsPerWindow: positiveInt.optional(),
        maxQueuedPerUser: positiveInt.optional(),
        maxSteps: settingsShape.maxSteps.optional(),
        maxWidth: settingsShape.maxWidth.optional(),
        maxHeight: settingsShape.maxHeight.optional(),
        maxPixels: settingsShape.maxPixels.optional(),
        maxCount: settingsShape.maxCount.optional(),
        minWindowSeconds: positiveInt.optional(),
      })
      .prefault({}),
    discord: z
      .strictObject({
        editIntervalMs: timerMs(250).default(defaults.discord.editIntervalMs),
        channelEditsPerSecond: z.number().positive().max(50).default(defaults.discord.channelEditsPerSecond),
        deliveryRetrySeconds: timerSeconds().default(defaults.discord.deliveryRetrySeconds),
      })
      .prefault({}),
    /** The workflows the result buttons and attached images use (`src/app/result-actions.ts`). */
    actions: z
      .strictObject({
        img2img: workflowConfigSchema.shape.name.optional(),
        upscale: workflowConfigSchema.shape.name.optional(),
        varyDenoise: z
          .number({ error: "expected a number from 0.01 to 1" })
          .min(0.01, { error: "expected a number from 0.01 to 1" })
          .max(1, { error: "expected a number from 0.01 to 1" })
          .default(defaults.actions.varyDenoise),
        maxInputBytes: positiveInt.default(defaults.actions.maxInputBytes),
      })
      .prefault({}),
    retention: z
      .strictObject({
        days: positiveInt.default(defaults.retention.days),
        backupDays: positiveInt.default(defaults.retention.backupDays),
      })
      .prefault({}),
    logging: z.strictObject({ prompts: z.boolean().default(defaults.logging.prompts) }).prefault({}),
    metrics: z.strictObject({ host: z.string().min(1).default(defaults.metrics.host) }).prefault({}),
  })
  // A ceiling written below the bot's own default would refuse the operator's own configuration.
  .superRefine((config, context) => {
    // An action naming a workflow that is not configured would quietly turn its buttons off.
    for (const action of ["img2img", "upscale"] as const) {
      const name = config.actions[action];
      if (name !== undefined && !config.workflows.some((workflow) => workflow.name === name)) {
        context.addIssue({
          code: "custom",
          path: ["actions", action],
          message: `expected the name of a workflow under "workflows" (${config.workflows.map((w) => w.name).join(", ") || "none configured"})`,
          input: name,
        });
      }
    }
    for (const conflict of ceilingConflicts(config)) {
      context.addIssue({
        code: "custom",
        path: ["ceilings", conflict.key],
        message: conflict.message,
        input: conflict.value,
      });
    }
    for (const conflict of presetConflicts(config)) {
      context.addIssue({
        code: "custom",
        path: conflict.path,
        message: conflict.message,
        input: conflict.value,
      });
    }
  });
export type FileConfig = z.infer<typeof fileConfigSchema>;

const httpUrl = z.url({
  protocol: /^https?$/,
  hostname: z.regexes.hostname,
  error: "expected an http(s) URL",
});

/** One `COMFY_URL` entry: `http://host:8188`, or `label=http://host:8188`. */
const comfyHostEntry = z
  .string()
  .transform(splitHostEntry)
  .pipe(
    z.object({
      label: z
        .string()
        .regex(
          hostLabelPattern,
          'expected a label of letters, digits, "-", "_" or "." (up to 32), before "="',
        )
        .optional(),
      url: httpUrl,
    }),
  );

export const envSchema = z
  .object({
    DISCORD_TOKEN: z.string().min(1).optional(),
    DISCORD_API_URL: httpUrl,
    DISCORD_GUILD_ID: z
      .string()
      .regex(/^\d{17,20}$/, "expected a Discord server id (17 to 20 digits)")
      .optional(),
    /** `label=url` entries, comma-separated; members see the labels (`src/comfy/backend-labels.ts`). */
    COMFY_URL: z
      .string()
      .transform((value) =>
        value
          .split(",")
          .map((part) => part.trim())
          .filter((part) => part.length > 0),
      )
      .pipe(z.array(comfyHostEntry).min(1, "expected at least one http(s) URL"))
      .transform(labelHosts)
      .superRefine((hosts, context) => {
        const seen = new Set<string>();
        for (const host of hosts) {
          if (seen.has(host.label)) {
            context.addIssue({
              code: "custom",
              message: "each host needs its own label (an entry without one is gpu-<position>)",
              input: host.label,
            });
          }
          seen.add(host.label);
        }
      }),
    DATA_DIR: z.string().min(1),
    /** Where the data lives: unset or `sqlite:` the file in DATA_DIR, `redis://…` a Redis server. */
    STORE_URL: storeUrlSchema,
    CONFIG_FILE: z.string().min(1),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /** The Discord shards this process runs (`0,1`); with `DISCORD_SHARD_COUNT`, or neither. */
    DISCORD_SHARD_IDS: shardIdsSchema,
    DISCORD_SHARD_COUNT: shardCountSchema,
  })
  .superRefine(checkShardPair);
export type EnvConfig = z.infer<typeof envSchema>;
