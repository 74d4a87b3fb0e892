import { botParams, type BotParam } from "../config/schema.js";
import { findInput, type InputDescription } from "../comfy/object-info.js";
import type { ApiPrompt } from "./api-prompt.js";
import { paramValueKinds, type Bindings } from "./binding.js";
import { checkValue, listSome } from "./check-value.js";
import { isValidSeed, maxSeed, randomSeed } from "./random-seed.js";
import { WorkflowError } from "./workflow-error.js";
import type { BuildOptions, JobParams } from "./workflow-template.js";

/** A channel's effective limits; the tighter of these and the node's own min/max applies. */
export interface ParamLimits {
  maxSteps?: number;
  maxWidth?: number;
  maxHeight?: number;
  maxPixels?: number;
  /** Images per job. */
  maxCount?: number;
  /** Models allowed here; empty or absent means every model the workflow offers. */
  models?: readonly string[];
}

interface TemplateView {
  readonly offered: readonly BotParam[];
  readonly bindings: Readonly<Bindings>;
  readonly defaults: Readonly<Partial<Record<BotParam, string | number>>>;
  readonly models: readonly string[] | undefined;
}

type Values = Partial<Record<BotParam, string | number>>;

const labels: Record<BotParam, string> = {
  prompt: "the prompt",
  negative: "the negative prompt",
  seed: "seed",
  steps: "steps",
  cfg: "CFG",
  width: "width",
  height: "height",
  model: "model",
  sampler: "sampler",
  scheduler: "scheduler",
  denoise: "denoise",
  batch: "batch",
};

/** Latent images are 1/8 of the pixel size, so sizes must be multiples of 8 even without a spec. */
const latentFactor = 8;

/** Every offered parameter's value for one job, checked; throws WorkflowError for the user. */
export function resolveParams(
  template: TemplateView,
  graph: ApiPrompt,
  params: JobParams,
  options: BuildOptions,
): Values {
  const given = params as unknown as Partial<Record<string, unknown>>;
  for (const param of botParams) {
    if (given[param] !== undefined && !template.offered.includes(param)) {
      throw new WorkflowError("param_not_offered", param, `This workflow does not take ${labels[param]}.`);
    }
  }
  const limits = options.limits ?? {};
  const values: Values = {};
  for (const param of template.offered) {
    const binding = template.bindings[param]!;
    const classType = graph[binding.nodeId]!.class_type;
    const spec = options.objectInfo ? findInput(options.objectInfo, classType, binding.input) : undefined;
    const fromUser = given[param] !== undefined;
    let value = fromUser ? given[param] : template.defaults[param];
    // Seeds are random unless the user picks one: a fixed seed would make ComfyUI serve its cache.
    if (param === "seed" && !fromUser) value = randomSeed(options.random, seedMax(spec));
    if (value === undefined) {
      if (param === "prompt") throw new WorkflowError("bad_value", param, "A prompt is required.");
      continue;
    }
    const suffix = fromUser ? "" : " (this workflow's default)";
    checkParam(param, value, spec, limits, template.models, suffix);
    values[param] = value as string | number;
  }
  const { width, height } = values;
  if (limits.maxPixels !== undefined && typeof width === "number" && typeof height === "number") {
    if (width * height > limits.maxPixels) {
      throw new WorkflowError(
        "param_out_of_range",
        "width",
        `${width}×${height} is ${width * height} pixels, above the maximum of ${limits.maxPixels} here.`,
      );
    }
  }
  return values;
}

function seedMax(spec: InputDescription | undefined): number {
  return spec?.kind === "INT" && spec.max !== undefined ? Math.min(spec.max, maxSeed) : maxSeed;
}

function checkParam(
  param: BotParam,
  value: unknown,
  spec: InputDescription | undefined,
  limits: ParamLimits,
  allowList: readonly string[] | undefined,
  suffix: string,
): void {
  const label = labels[param];
  const kind = paramValueKinds[param];
  if (kind === "string" && typeof value !== "string") {
    throw new WorkflowError("bad_value", param, `${capital(label)} must be text${suffix}.`);
  }
  if (kind !== "string" && (typeof value !== "number" || !Number.isFinite(value))) {
    throw new WorkflowError("bad_value", param, `${capital(label)} must be a number${suffix}.`);
  }
  if (param === "seed" && !isValidSeed(value, seedMax(spec))) {
    throw new WorkflowError(
      "bad_value",
      param,
      `Seed must be a whole number from 0 to ${seedMax(spec)}${suffix}` +
        (seedMax(spec) === maxSeed ? "; larger seeds would lose precision." : "."),
    );
  }
  if (kind === "integer" && !Number.isInteger(value)) {
    throw new WorkflowError("bad_value", param, `${capital(label)} must be a whole number${suffix}.`);
  }
  if (param === "prompt" && (value as string).trim() === "") {
    throw new WorkflowError("bad_value", param, "The prompt is empty.");
  }
  // User text comes back in the message: keep it short (the Discord layer escapes it).
  const shown = typeof value === "string" ? `"${truncate(value, 80)}"` : String(value);
  if (spec) {
    const check = checkValue(value, spec);
    if (!check.ok) {
      switch (check.problem) {
        case "wrong_type":
          throw new WorkflowError(
            "bad_value",
            param,
            `${capital(label)} must be ${check.expected}${suffix}.`,
          );
        case "below_min":
          throw outOfRange(param, `${label} ${shown} is below the minimum of ${check.bound}${suffix}.`);
        case "above_max":
          throw outOfRange(
            param,
            `${label} ${shown} is above this workflow's maximum of ${check.bound}${suffix}.`,
          );
        case "not_in_list":
          throw new WorkflowError(
            "bad_value",
            param,
            `${capital(label)} ${shown} is not available on this server${suffix}; choose one of: ${listSome(check.options)}.`,
          );
      }
    }
  }
  const step = spec?.kind === "INT" && spec.step !== undefined && spec.step > 1 ? spec.step : undefined;
  const multiple = step ?? (param === "width" || param === "height" ? latentFactor : undefined);
  if (multiple !== undefined && (value as number) % multiple !== 0) {
    throw new WorkflowError(
      "bad_value",
      param,
      `${capital(label)} ${shown} must be a multiple of ${multiple}${suffix}.`,
    );
  }
  const cap = {
    steps: limits.maxSteps,
    width: limits.maxWidth,
    height: limits.maxHeight,
    batch: limits.maxCount,
  };
  const max = param in cap ? cap[param as keyof typeof cap] : undefined;
  if (max !== undefined && (value as number) > max) {
    throw outOfRange(param, `${label} ${shown} is above the maximum of ${max} here${suffix}.`);
  }
  if (param === "model") {
    for (const list of [allowList, limits.models]) {
      if (list && list.length > 0 && !list.includes(value as string)) {
        throw new WorkflowError(
          "bad_value",
          param,
          `Model ${shown} is not allowed here${suffix}; choose one of: ${listSome(list)}.`,
        );
      }
    }
  }
}

function outOfRange(param: BotParam, message: string): WorkflowError {
  return new WorkflowError("param_out_of_range", param, capital(message));
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
