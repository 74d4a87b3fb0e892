import type { Logger } from "pino";
import type { ObjectInfo } from "../comfy/object-info.js";
import { checkGenerate, type Refusal, type RefusalCode } from "../moderation/check-generate.js";
import { describeRefusalForModLog } from "../presentation/describe-refusal.js";
import type { EffectiveSettings } from "../moderation/effective-settings.js";
import { memberLimits } from "../moderation/member-limits.js";
import type { ChannelLocation, SettingsRepository } from "../moderation/settings-repository.js";
import type { AdmissionDecision } from "../queue/admission.js";
import type { Job, JobMessage, JobOrigin } from "../queue/job.js";
import type { QueuePort } from "../queue/queue-port.js";
import {
  checkGenerationRequest,
  type GenerationRequest,
  type JobParams,
  type RequestInput,
} from "../request/generation-request.js";
import { applyStyle } from "../presets/apply-style.js";
import { chooseLora } from "../presets/choose-lora.js";
import { loraListed } from "../presets/lora-hosts.js";
import { noPresets, pickStyle, type Presets, type StyleConfig } from "../presets/presets.js";
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
  /** The interaction whose reply will show the job (`/generate`). */
  origin?: JobOrigin | undefined;
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
  /**
   * Every connected backend that can run the template: a LoRA a member picks must be on one of
   * them, and values are then checked against that one. Without it, `objectInfoFor` alone.
   */
  hostInfosFor?: (template: WorkflowTemplate) => ObjectInfo[];
  /** The operator's styles and LoRAs (none by default). */
  presets?: Presets;
  logger: Logger;
  /** Prompt text in info-level logs only when the operator allows it. */
  logPrompts?: boolean;
  random?: () => number;
  /** Told of every request that did not become a job (for the jobs-by-outcome metric). */
  onDecline?: (outcome: "refused" | "rate_limited") => void;
  /** `actions.img2img`: the workflow a request with a picture and no workflow of its own uses. */
  img2img?: string | undefined;
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
    const presets = this.#options.presets ?? noPresets;
    const picking = pickStyle(presets, request.style, settings.values);
    if (!picking.ok) return refuse(picking.code, picking.message);
    const { style } = picking;

    const picked = this.#pickTemplate(request.workflow, request.image !== undefined, settings, style);
    if (!picked.ok) return refuse("workflow_not_allowed", picked.message);
    const template = picked.value;

    // The request as it runs: the style's template and presets applied, a LoRA name made a file.
    const loraWorkflows = this.allowedTemplates(settings)
      .filter((candidate) => candidate.takes("lora"))
      .map((candidate) => candidate.name);
    const chosen = chooseLora(
      style ? applyStyle(request, style, template) : request,
      template,
      presets,
      loraWorkflows,
    );
    if (!chosen.ok) return refuse(chosen.code, chosen.message);
    const asked = chosen.request;
    const host = this.#hostFor(template, asked);
    if (host.kind === "lora_missing") {
      const name = request.lora ?? style?.params?.lora ?? asked.lora;
      return refuse(
        "bad_value",
        `The LoRA "${name}" is not installed on any image server that runs "${template.name}" right now. Pick another one, or ask the bot's operator.`,
      );
    }
    const { objectInfo } = host;

    let params: JobParams;
    try {
      params = buildJobParams(template, asked, { objectInfo, random: this.#options.random });
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
      checkJobParams(template, params, { objectInfo, request: asked });
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
      origin: input.origin,
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

  /**
   * The host whose specs the values are checked against: one that can run the workflow and, for
   * a LoRA the request names, has its file. `lora_missing` when hosts have reported and none does.
   */
  #hostFor(
    template: WorkflowTemplate,
    asked: GenerationRequest,
  ): { kind: "host"; objectInfo: ObjectInfo | undefined } | { kind: "lora_missing" } {
    const file = asked.lora;
    const infos = this.#options.hostInfosFor?.(template) ?? [];
    if (file === undefined || infos.length === 0) {
      return { kind: "host", objectInfo: this.#options.objectInfoFor(template) };
    }
    const objectInfo = infos.find((info) => loraListed(info, template, file));
    return objectInfo ? { kind: "host", objectInfo } : { kind: "lora_missing" };
  }

  /**
   * The workflow a request runs on: the one asked for, else for a picture the image-to-image one
   * (`actions.img2img`), else the channel's first that needs no picture. A workflow that takes an
   * `image` needs one (its graph's own file is a placeholder); one that takes none refuses it.
   * A style's workflow stands in for the member's pick when they named none (unless it takes no
   * picture and one is attached).
   */
  #pickTemplate(
    requested: string | undefined,
    withImage: boolean,
    settings: EffectiveSettings,
    style: StyleConfig | undefined,
  ): { ok: true; value: WorkflowTemplate } | { ok: false; message: string } {
    const allowed = this.allowedTemplates(settings);
    const styled = this.#options.templates.find((template) => template.name === style?.workflow);
    // The style's workflow stands in for the member's pick, unless a picture is attached and it takes none.
    const fromStyle =
      requested === undefined &&
      style?.workflow !== undefined &&
      (!withImage || styled?.offers("image") !== false)
        ? style
        : undefined;
    const name = requested ?? fromStyle?.workflow ?? (withImage ? this.#options.img2img : undefined);
    const exists = this.#options.templates.some((template) => template.name === name);
    if (name === undefined) {
      if (withImage) {
        return {
          ok: false,
          message: "This bot has no image-to-image workflow, so it cannot start from a picture.",
        };
      }
      const first = allowed.find((template) => !template.offers("image"));
      return first
        ? { ok: true, value: first }
        : {
            ok: false,
            message: "No workflow is allowed in this channel. Ask a moderator to check `/settings`.",
          };
    }
    const found = allowed.find((template) => template.name === name);
    if (found && found.offers("image") !== withImage) {
      return {
        ok: false,
        message: withImage
          ? `The workflow "${name}" does not start from a picture; leave the image out or pick another workflow.`
          : `The workflow "${name}" starts from a picture: attach one with the image option.`,
      };
    }
    if (found) return { ok: true, value: found };
    const names = allowed.map((t) => t.name).join(", ") || "none";
    // A style's own workflow: the member did not name it, so say where it comes from.
    if (fromStyle !== undefined && fromStyle.workflow === name) {
      return {
        ok: false,
        message: exists
          ? `The style "${fromStyle.name}" runs on the workflow "${name}", which is not allowed in this channel. Pick a workflow yourself (allowed here: ${names}).`
          : `The style "${fromStyle.name}" runs on the workflow "${name}", which is not available right now. Pick a workflow yourself.`,
      };
    }
    return {
      ok: false,
      message: exists
        ? `The workflow "${name}" is not allowed in this channel. Allowed here: ${names}.`
        : `There is no workflow called "${name}".`,
    };
  }
}
