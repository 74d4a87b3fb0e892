import { botParams, type BotParam } from "../config/schema.js";
import type { ObjectInfo } from "../comfy/object-info.js";
import type { ApiPrompt } from "./api-prompt.js";
import { literalFits, type Binding, type Bindings } from "./binding.js";
import { resolveParams, type ParamLimits } from "./resolve-params.js";

export type { ApiPrompt } from "./api-prompt.js";
export type { ParamLimits } from "./resolve-params.js";

/** What a job asks for; anything left out takes the workflow's default (seed: a random one). */
export interface JobParams {
  prompt: string;
  negative?: string;
  seed?: number;
  steps?: number;
  cfg?: number;
  width?: number;
  height?: number;
  model?: string;
  sampler?: string;
  scheduler?: string;
  denoise?: number;
  /** Images per job (the latent's batch_size). */
  batch?: number;
}

export interface BuildOptions {
  /** The target backend's `/object_info`: values are checked against its input specs and combos. */
  objectInfo?: ObjectInfo;
  /** For seeds; [0, 1) like Math.random. */
  random?: () => number;
  /** The channel's effective limits (settings maxSteps, maxWidth, ...). */
  limits?: ParamLimits;
}

export interface BuiltPrompt {
  /** A fresh graph for `POST /prompt`; the template is never modified. */
  prompt: ApiPrompt;
  /** Every offered parameter with the value used, the chosen seed included: store this for rerolls. */
  params: JobParams;
}

export interface TemplateInit {
  name: string;
  description?: string;
  file: string;
  graph: ApiPrompt;
  bindings: Bindings;
  models?: readonly string[];
}

/**
 * One configured workflow: the API-format graph plus where each bot parameter goes.
 * Outputs are whatever the graph's output nodes write; SaveImage embeds the prompt in the PNG,
 * so the bot attaches the bytes from `/view` as they are and never re-encodes them.
 */
export class WorkflowTemplate {
  readonly name: string;
  readonly description: string | undefined;
  /** Absolute path of the API JSON, for messages. */
  readonly file: string;
  readonly bindings: Readonly<Bindings>;
  /** The parameters this workflow takes, in `botParams` order; the others are not offered. */
  readonly offered: readonly BotParam[];
  /** Node classes a backend must have to run this workflow. */
  readonly classTypes: readonly string[];
  /** The graph's values at the bound inputs, after the config's `defaults`. */
  readonly defaults: Readonly<Partial<JobParams>>;
  /** The default width × height: the pixel budget the aspect presets keep. */
  readonly native: { width: number; height: number } | undefined;
  readonly defaultModel: string | undefined;
  /** The config's allow-list of models, if any. */
  readonly models: readonly string[] | undefined;
  readonly #graph: ApiPrompt;

  constructor(init: TemplateInit) {
    this.name = init.name;
    this.description = init.description;
    this.file = init.file;
    this.#graph = structuredClone(init.graph);
    this.bindings = { ...init.bindings };
    this.offered = botParams.filter((param) => init.bindings[param] !== undefined);
    this.classTypes = [...new Set(Object.values(init.graph).map((node) => node.class_type))].sort();
    const defaults: Partial<Record<BotParam, string | number>> = {};
    for (const param of this.offered) {
      const value = this.valueAt(this.bindings[param]!);
      if (literalFits(param, value)) defaults[param] = value as string | number;
    }
    this.defaults = defaults as Partial<JobParams>;
    const { width, height, model } = this.defaults;
    this.native = width !== undefined && height !== undefined ? { width, height } : undefined;
    this.defaultModel = model;
    this.models = init.models;
  }

  /** A copy of the template graph (for validation and display). */
  graph(): ApiPrompt {
    return structuredClone(this.#graph);
  }

  offers(param: BotParam): boolean {
    return this.bindings[param] !== undefined;
  }

  /**
   * Fills a clone of the graph through the bindings only. User text is assigned as a value and
   * never spliced into JSON. Throws WorkflowError with a message for the user.
   */
  build(params: JobParams, options: BuildOptions = {}): BuiltPrompt {
    const values = resolveParams(this, this.#graph, params, options);
    const prompt = structuredClone(this.#graph);
    for (const param of this.offered) {
      const binding = this.bindings[param]!;
      const value = values[param];
      if (value !== undefined) prompt[binding.nodeId]!.inputs[binding.input] = value;
    }
    return { prompt, params: values as JobParams };
  }

  private valueAt(binding: Binding): unknown {
    return this.#graph[binding.nodeId]?.inputs[binding.input];
  }
}
