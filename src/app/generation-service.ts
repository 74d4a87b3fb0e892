import type { Logger } from "pino";
import type { ObjectInfo } from "../comfy/object-info.js";
import { checkGenerate, type Refusal } from "../moderation/check-generate.js";
import { describeRefusalForModLog } from "../presentation/describe-refusal.js";
import type { EffectiveSettings } from "../moderation/effective-settings.js";
import { memberLimits } from "../moderation/member-limits.js";
import type { ChannelLocation, SettingsRepository } from "../moderation/settings-repository.js";
import type { AdmissionDecision } from "../queue/admission.js";
import type { Job, JobMessage } from "../queue/job.js";
import type { JobQueue } from "../queue/job-queue.js";
import { isAspectName, sizeForAspect } from "../workflows/aspect-presets.js";
import { WorkflowError } from "../workflows/workflow-error.js";
import type { JobParams, WorkflowTemplate } from "../workflows/workflow-template.js";

/** What a member asked for, from `/generate`, a 🎲 reroll or the terminal. */
export interface GenerateOptions {
  prompt: string;
  negative?: string | undefined;
  seed?: number | undefined;
  steps?: number | undefined;
  cfg?: number | undefined;
  aspect?: string | undefined;
  width?: number | undefined;
  height?: number | undefined;
  model?: string | undefined;
  workflow?: string | undefined;
  count?: number | undefined;
  sampler?: string | undefined;
  scheduler?: string | undefined;
  denoise?: number | undefined;
}

export interface GenerateInput {
  userId: string;
  location: ChannelLocation;
  /** Age-restricted channel (the parent's flag for a thread). */
  channelNsfw: boolean;
  roleIds: readonly string[];
  options: GenerateOptions;
  rerollOf?: string | undefined;
  messages?: JobMessage[] | undefined;
}

export type GenerateOutcome =
  | {
      kind: "accepted";
      job: Job;
      position: number;
      etaMs: number;
      template: WorkflowTemplate;
      settings: EffectiveSettings;
    }
  /** Policy or parameter refusal; `message` is for the member (never echoes a banned term). */
  | {
      kind: "refused";
      code: string;
      message: string;
      modLog?: string | undefined;
      settings: EffectiveSettings;
    }
  | {
      kind: "queue";
      decision: Exclude<AdmissionDecision, { kind: "accepted" }>;
      settings: EffectiveSettings;
    };

export interface GenerationServiceOptions {
  templates: readonly WorkflowTemplate[];
  settings: SettingsRepository;
  queue: Pick<JobQueue, "admit">;
  /** A backend's `/object_info` that can run the template, to check values against its specs. */
  objectInfoFor: (template: WorkflowTemplate) => ObjectInfo | undefined;
  logger: Logger;
  /** Prompt text in info-level logs only when the operator allows it. */
  logPrompts?: boolean;
  random?: () => number;
  /** Told of every request that did not become a job (for the jobs-by-outcome metric). */
  onDecline?: (outcome: "refused" | "rate_limited") => void;
}

/**
 * The one path from "a member asked for an image" to "a job is in the queue": channel rules,
 * moderation verdict, workflow parameters (seed chosen here so a reroll can change it) and
 * admission. Discord commands, reactions and the terminal `generate` all go through it.
 */
export class GenerationService {
  readonly #options: GenerationServiceOptions;

  constructor(options: GenerationServiceOptions) {
    this.#options = options;
  }

  get templates(): readonly WorkflowTemplate[] {
    return this.#options.templates;
  }

  /** The workflows this channel allows, default first. */
  allowedTemplates(settings: EffectiveSettings): WorkflowTemplate[] {
    const allowed = settings.values.workflows;
    return this.#options.templates.filter(
      (template) => allowed.length === 0 || allowed.includes(template.name),
    );
  }

  async generate(input: GenerateInput): Promise<GenerateOutcome> {
    const settings = await this.#options.settings.resolve(input.location);
    const refuse = (code: string, message: string, refusal?: Refusal): GenerateOutcome => {
      const modLog = refusal
        ? describeRefusalForModLog(refusal, { userId: input.userId, channelId: input.location.channelId })
        : undefined;
      this.#options.logger.info(
        { userId: input.userId, channelId: input.location.channelId, code, detail: refusal?.detail },
        "generation refused",
      );
      this.#options.onDecline?.("refused");
      return { kind: "refused", code, message, modLog, settings };
    };

    const template = this.#pickTemplate(input.options.workflow, settings);
    if (!template.ok) return refuse("workflow_not_allowed", template.message);

    const params = this.#requestedParams(input.options, template.value);
    if (typeof params === "string") return refuse("bad_value", params);

    const verdict = checkGenerate(
      {
        prompt: params.prompt,
        negative: params.negative,
        steps: params.steps ?? numberDefault(template.value, "steps"),
        width: params.width ?? numberDefault(template.value, "width"),
        height: params.height ?? numberDefault(template.value, "height"),
        count: params.batch ?? numberDefault(template.value, "batch"),
        workflow: template.value.name,
        model: params.model ?? template.value.defaultModel,
      },
      settings.values,
      { channelNsfw: input.channelNsfw },
    );
    if (!verdict.ok) return refuse(verdict.reason, verdict.message, verdict);

    let built: JobParams;
    try {
      const values = settings.values;
      built = template.value.build(
        { ...params, ...(template.value.offers("negative") ? { negative: verdict.adjusted.negative } : {}) },
        {
          ...optionalObjectInfo(this.#options.objectInfoFor(template.value)),
          ...(this.#options.random ? { random: this.#options.random } : {}),
          limits: {
            maxSteps: values.maxSteps,
            maxWidth: values.maxWidth,
            maxHeight: values.maxHeight,
            maxPixels: values.maxPixels,
            maxCount: values.maxCount,
            models: values.models,
          },
        },
      ).params;
    } catch (error) {
      if (error instanceof WorkflowError) return refuse(error.code, error.message);
      throw error;
    }

    const limits = memberLimits(settings.values, input.roleIds);
    const decision = await this.#options.queue.admit({
      userId: input.userId,
      guildId: input.location.guildId,
      channelId: input.location.channelId,
      workflow: template.value.name,
      params: {
        ...built,
        // What the member typed, for rerolls (the built negative carries the channel's prefixes).
        ...(params.negative !== undefined ? { userNegative: params.negative } : {}),
        // Threads follow their parent's rules; dispatch re-checks them with this.
        ...(input.location.parentId !== undefined ? { parentChannelId: input.location.parentId } : {}),
      },
      limits,
      rerollOf: input.rerollOf,
      messages: input.messages,
    });
    if (decision.kind !== "accepted") {
      // The detail (retry time, limit, queue size) is what an operator needs to answer "why was I refused?".
      const { kind, ...detail } = decision;
      this.#options.logger.info(
        { userId: input.userId, channelId: input.location.channelId, decision: kind, ...detail },
        "admission declined",
      );
      this.#options.onDecline?.(kind === "rate_limited" ? "rate_limited" : "refused");
      return { kind: "queue", decision, settings };
    }
    this.#options.logger.info(
      {
        jobId: decision.job.id,
        userId: input.userId,
        channelId: input.location.channelId,
        workflow: template.value.name,
        position: decision.position,
        ...(this.#options.logPrompts ? { prompt: built.prompt } : {}),
      },
      "job queued",
    );
    return { ...decision, template: template.value, settings };
  }

  #pickTemplate(
    name: string | undefined,
    settings: EffectiveSettings,
  ): { ok: true; value: WorkflowTemplate } | { ok: false; message: string } {
    const allowed = this.allowedTemplates(settings);
    if (name === undefined) {
      const first = allowed[0];
      return first
        ? { ok: true, value: first }
        : {
            ok: false,
            message: "No workflow is allowed in this channel. Ask a moderator to check `/settings`.",
          };
    }
    const found = allowed.find((template) => template.name === name);
    if (found) return { ok: true, value: found };
    const exists = this.#options.templates.some((template) => template.name === name);
    return {
      ok: false,
      message: exists
        ? `The workflow "${name}" is not allowed in this channel. Allowed here: ${allowed.map((t) => t.name).join(", ") || "none"}.`
        : `There is no workflow called "${name}".`,
    };
  }

  /** The member's options as workflow parameters; an aspect becomes a size at the native budget. */
  #requestedParams(options: GenerateOptions, template: WorkflowTemplate): JobParams | string {
    const params: JobParams = { prompt: options.prompt };
    const copy = <K extends keyof JobParams>(key: K, value: JobParams[K] | undefined) => {
      if (value !== undefined) params[key] = value;
    };
    copy("negative", options.negative);
    copy("seed", options.seed);
    copy("steps", options.steps);
    copy("cfg", options.cfg);
    copy("model", options.model);
    copy("sampler", options.sampler);
    copy("scheduler", options.scheduler);
    copy("denoise", options.denoise);
    copy("batch", options.count);
    if (options.aspect !== undefined && options.width === undefined && options.height === undefined) {
      if (!isAspectName(options.aspect)) return `Unknown aspect ratio "${options.aspect}".`;
      if (!template.native)
        return `The workflow "${template.name}" has a fixed size; aspect ratios are not available.`;
      const size = sizeForAspect(options.aspect, template.native);
      params.width = size.width;
      params.height = size.height;
    } else {
      copy("width", options.width);
      copy("height", options.height);
    }
    return params;
  }
}

function numberDefault(
  template: WorkflowTemplate,
  key: "steps" | "width" | "height" | "batch",
): number | undefined {
  const value = template.defaults[key];
  return typeof value === "number" ? value : undefined;
}

function optionalObjectInfo(info: ObjectInfo | undefined): { objectInfo?: ObjectInfo } {
  return info ? { objectInfo: info } : {};
}
