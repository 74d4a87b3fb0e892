import {
  partialJobParamsSchema,
  type JobParams,
  type PartialJobParams,
} from "../request/generation-request.js";
import {
  bindingNames,
  bindingsOf,
  boundRows,
  paramNamed,
  type BindingName,
  type BoundParam,
  type BuiltName,
  type ParamName,
} from "../request/param-table.js";
import type { ApiPrompt } from "./api-prompt.js";
import { literalFits, type Bindings } from "./binding.js";

export type { ApiPrompt } from "./api-prompt.js";

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
  /** The bindings this workflow has, in table order; the other parameters are not offered. */
  readonly offered: readonly BindingName[];
  /** Node classes a backend must have to run this workflow. */
  readonly classTypes: readonly string[];
  /** The graph's values at the bound inputs, after the config's `defaults`. */
  readonly defaults: Readonly<PartialJobParams>;
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
    this.offered = bindingNames.filter((name) => init.bindings[name]);
    this.classTypes = [...new Set(Object.values(init.graph).map((node) => node.class_type))].sort();
    const found: Partial<Record<BuiltName, string | number>> = {};
    for (const row of boundRows) {
      const binding = this.bindings[row.binding];
      const value = binding && this.#graph[binding.nodeId]?.inputs[binding.input];
      if (literalFits(row.binding, value)) found[row.name] = value as string | number;
    }
    // The prompt is never a default: every request brings its own. Nor is the input image: the
    // graph's file is a placeholder for the picture each job uploads.
    delete found.prompt;
    delete found.image;
    this.defaults = partialJobParamsSchema.parse(found);
    const { width, height, model } = this.defaults;
    this.native = width !== undefined && height !== undefined ? { width, height } : undefined;
    this.defaultModel = model;
    this.models = init.models;
  }

  /** A copy of the template graph (for validation and display). */
  graph(): ApiPrompt {
    return structuredClone(this.#graph);
  }

  /** The class and input a binding points at, for looking up its spec in `/object_info`. */
  boundInput(binding: BindingName): { classType: string; input: string } | undefined {
    const bound = this.bindings[binding];
    const node = bound && this.#graph[bound.nodeId];
    return bound && node ? { classType: node.class_type, input: bound.input } : undefined;
  }

  /**
   * Every class and input a row's value is written to (a LoRA strength: the model's and the
   * CLIP's), for checking the value against each input's spec.
   */
  boundInputsOf(row: BoundParam): { classType: string; input: string }[] {
    return bindingsOf(row).flatMap((binding) => this.boundInput(binding) ?? []);
  }

  offers(binding: BindingName): boolean {
    return this.bindings[binding] !== undefined;
  }

  /**
   * Whether a member may ask for this parameter here: its binding is in the graph, or, for one the
   * bot resolves itself, everything it needs is (an aspect ratio needs width and height).
   */
  takes(name: ParamName): boolean {
    const row = paramNamed(name);
    if (row.binding !== undefined) return this.offers(row.binding);
    return (row.needs ?? []).every((binding) => this.offers(binding));
  }

  /**
   * A fresh graph with the job's values written through the bindings, and nothing else: the values
   * were built and checked at admission. User text is assigned as a value, never spliced into JSON.
   * The template itself is never modified, so jobs do not leak into each other.
   */
  fill(params: JobParams): ApiPrompt {
    const prompt = structuredClone(this.#graph);
    for (const row of boundRows) {
      const value = params[row.name];
      if (value === undefined) continue;
      for (const name of bindingsOf(row)) {
        const binding = this.bindings[name];
        if (binding) prompt[binding.nodeId]!.inputs[binding.input] = value;
      }
    }
    return prompt;
  }
}
