import type { RefusalCode } from "../moderation/check-generate.js";
import type { SettingValues } from "../moderation/effective-settings.js";

/**
 * What a member may type for one parameter. Each kind decides the value's JSON type, how it binds
 * to a ComfyUI input, the Discord option type and how the CLI reads the flag (`param-kinds.ts`).
 */
export type ParamType =
  /** Words the member writes (prompts): bound to STRING inputs, searched for banned terms. */
  | { readonly kind: "text"; readonly maxLength: number }
  /** A name from a list someone else keeps (checkpoints, samplers, workflows): COMBO or STRING inputs. */
  | { readonly kind: "name"; readonly maxLength: number }
  /** One of a fixed list the bot itself knows (aspect ratios). */
  | { readonly kind: "choice"; readonly values: readonly string[] }
  /** A whole number; `multipleOf` is a rule of the value itself (latent sizes are multiples of 8). */
  | { readonly kind: "integer"; readonly min: number; readonly max: number; readonly multipleOf?: number }
  | { readonly kind: "number"; readonly min: number; readonly max: number }
  /**
   * A picture given for one job (an attachment, a result to vary or upscale), bound to a LoadImage
   * input. The value is the bot's reference to the stored picture; at dispatch the picture is
   * uploaded to the chosen host and the input gets the name ComfyUI answers. Never defaulted from
   * the graph (its file there is a placeholder) and never checked against the host's file list.
   */
  | { readonly kind: "image" };

/** The `/generate` option, as plain data: `src/commands` turns it into builder calls. */
export interface DiscordOptionSpec {
  /** Discord caps it at 100 characters. */
  readonly description: string;
  /**
   * Where the choices come from: the type's own `values`, or the configured workflows (name and
   * description). An option with fewer than two choices is left out: there is nothing to pick.
   */
  readonly choices?: "values" | "workflows";
  /** Discord asks the bot while the member types (answered from the hosts' `/object_info`). */
  readonly autocomplete?: boolean;
  /**
   * The value names one of the operator's presets (`styles[]`, `loras[]`): autocomplete lists
   * those (the channel's allowed styles; the LoRAs for the workflow being asked), and the option is
   * left out while the config has none.
   */
  readonly presets?: "styles" | "loras";
}

/** The flag of `npm run generate` (`--<name>`). */
export interface CliFlagSpec {
  /** The value in the usage text, e.g. `<n>` or `<checkpoint>`. */
  readonly placeholder: string;
  /** Usage text; the Discord description when absent. */
  readonly help?: string;
  readonly short?: string;
}

/** One field of the finished job's embed. */
export interface ViewSpec {
  readonly label: string;
  /** `code` for values worth copying (seeds); `name` for operator text (escaped and shortened). */
  readonly format?: "plain" | "code" | "name";
  /** Shown together with another parameter's value as `this×other` (Size is width×height). */
  readonly pairedWith?: string;
  /** Left out unless the value is above this (one image needs no "Images" field). */
  readonly shownAbove?: number;
}

type KeysOfType<T, V> = { [K in keyof T]-?: T[K] extends V ? K : never }[keyof T];
/** Per-channel settings that cap a number: `maxSteps`, `maxWidth`, ... */
export type MaxSettingKey = KeysOfType<SettingValues, number>;
/** Per-channel allow-lists (empty means all): `models`, `workflows`. */
export type ListSettingKey = KeysOfType<SettingValues, readonly string[]>;

/**
 * The per-channel rule (`/settings`) that applies to the value that will run. `message` is for
 * the member: `{value}`, `{max}` and `{allowed}` are filled in.
 */
export type ChannelLimit =
  | {
      readonly kind: "max";
      readonly setting: MaxSettingKey;
      readonly refusal: RefusalCode;
      readonly message: string;
    }
  | {
      readonly kind: "oneOf";
      readonly setting: ListSettingKey;
      readonly refusal: RefusalCode;
      readonly message: string;
    };

/**
 * One parameter, declared once: what a member may ask for, where it goes in a workflow, how
 * Discord and the terminal offer it, how the finished job shows it, and which channel rule
 * applies. Everything else (the request schema, the built values' schema, the `/generate`
 * definition, the CLI flags, the job view, the channel checks) is derived from these rows.
 */
export interface ParamRow {
  /** The request field; also the Discord option's and the CLI flag's name. */
  readonly name: string;
  /** How messages name it mid-sentence: "steps", "CFG", "prompt". */
  readonly label: string;
  readonly type: ParamType;
  /** Every request has it (the prompt). */
  readonly required?: boolean;
  /**
   * The `workflows[].bindings` key that carries the value into the graph. A row with a binding
   * is one of the built values (`JobParams`) under its own name. A row without one is resolved
   * by the bot at admission (aspect becomes width and height, workflow picks the graph).
   */
  readonly binding?: string;
  /**
   * More `workflows[].bindings` keys the same value is written to: one LoRA strength drives both
   * the model and the CLIP strength of a LoraLoader. They are bound (and detected) like any other
   * key; the row's own `binding` is the one its default and input spec are read from.
   */
  readonly alsoBinds?: readonly string[];
  /** Bindings a row without its own needs in the workflow (aspect needs width and height). */
  readonly needs?: readonly string[];
  /**
   * When the member leaves it out: the workflow's default, a random value (the seed), or nothing
   * at all, so the graph keeps its own values (a LoRA's two strengths may differ there, and one
   * value written to both would change them).
   */
  readonly whenLeftOut?: "default" | "random" | "graph";
  /** The workflow config's own allow-list for it (`workflows[].models`). */
  readonly workflowList?: "models";
  readonly discord?: DiscordOptionSpec;
  readonly cli?: CliFlagSpec;
  readonly view?: ViewSpec;
  readonly limit?: ChannelLimit;
}
