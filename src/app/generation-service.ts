import type { Logger } from "pino";
import type { ObjectInfo } from "../comfy/object-info.js";
import { checkGenerate, type Refusal, type RefusalCode } from "../moderation/check-generate.js";
import { describeRefusalForModLog } from "../presentation/describe-refusal.js";
import type { EffectiveSettings } from "../moderation/effective-settings.js";
import { memberLimits } from "../moderation/member-limits.js";
import type { ChannelLocation, SettingsRepository } from "../moderation/settings-repository.js";
import type { AdmissionDecision } from "../queue/admission.js";
import type { Job, JobMessage } from "../queue/job.js";
import type { QueuePort } from "../queue/queue-port.js";
import { checkGenerationRequest, type JobParams, type RequestInput } from "../request/generation-request.js";
import { buildJobParams } from "../workflows/build-job-params.js";
import { checkJobParams } from "../workflows/check-job-params.js";
import { WorkflowError, type WorkflowErrorCode } from "../workflows/workflow-error.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";

export interface GenerateInput {
  userId: string;
  location: ChannelLocation;
  /** Age-restricted channel (the parent's flag for a thread). */
  channelNsfw: boolean;
  roleIds: readonly string[];
  /**
   * What the member asked for, from `/generate`, a reroll or the terminal. Checked here against
   * the request schema whatever its source (a stored request predates today's limits).
   */
  request: RequestInput;
  rerollOf?: string | undefined;
  messages?: JobMessage[] | undefined;
}

/** Why a request was refused before it reached the queue: the channel's rules, or a value that does not fit. */
export type GenerationRefusalCode = RefusalCode | WorkflowErrorCode;

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
      code: GenerationRefusalCode;
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
  settings: Pick<SettingsRepository, "resolve">;
  queue: Pick<QueuePort, "admit">;
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
    const refuse = (code: GenerationRefusalCode, message: string, refusal?: Refusal): GenerateOutcome => {
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

    const checked = checkGenerationRequest(input.request);
    if (!checked.ok) return refuse("bad_value", checked.message);
    const request = checked.request;

    const picked = this.#pickTemplate(request.workflow, settings);
    if (!picked.ok) return refuse("workflow_not_allowed", picked.message);
    const template = picked.value;
    const objectInfo = this.#options.objectInfoFor(template);

    let params: JobParams;
    try {
      params = buildJobParams(template, request, { objectInfo, random: this.#options.random });
    } catch (error) {
      if (error instanceof WorkflowError) return refuse(error.code, error.message);
      throw error;
    }

    const verdict = checkGenerate({ request, params, workflow: template.name }, settings.values, {
      channelNsfw: input.channelNsfw,
    });
    if (!verdict.ok) return refuse(verdict.reason, verdict.message, verdict);
    if (template.offers("negative")) params = { ...params, negative: verdict.negative };

    try {
      checkJobParams(template, params, { objectInfo, request });
    } catch (error) {
      if (error instanceof WorkflowError) return refuse(error.code, error.message);
      throw error;
    }

    const limits = memberLimits(settings.values, input.roleIds);
    const decision = await this.#options.queue.admit({
      userId: input.userId,
      guildId: input.location.guildId,
      channelId: input.location.channelId,
      // Threads follow their parent's rules; dispatch re-checks them with this.
      parentChannelId: input.location.parentId,
      workflow: template.name,
      request,
      params,
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
        workflow: template.name,
        position: decision.position,
        ...(this.#options.logPrompts ? { prompt: params.prompt } : {}),
      },
      "job queued",
    );
    return { ...decision, template, settings };
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
}
