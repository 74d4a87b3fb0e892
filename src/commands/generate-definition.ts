import {
  SlashCommandBuilder,
  type SlashCommandIntegerOption,
  type SlashCommandNumberOption,
  type SlashCommandStringOption,
} from "discord.js";
import type { Presets } from "../presets/presets.js";
import { paramRows, type Param, type ParamName } from "../request/param-table.js";

/** What the definition depends on: the configured workflows, styles and LoRAs. */
export interface GenerateDefinitionInput {
  workflows: ReadonlyArray<{
    name: string;
    description?: string | undefined;
    /** Whether a member may ask this workflow for the parameter. */
    takes(name: ParamName): boolean;
  }>;
  /** Without any, the `style` and `lora` options are left out. */
  presets?: Presets | undefined;
}

/** Discord allows at most 25 choices per option. */
const maxChoices = 25;

/**
 * `/generate`, derived from the parameter table: one option per row with a `discord` entry, in
 * table order. An option appears when at least one configured workflow takes it, a choice
 * option when there are at least two choices, and a preset option when the config has presets. Limits are the widest any channel may allow; the
 * channel's settings and the workflow's input specs narrow them when the command runs.
 */
export function generateDefinition(input: GenerateDefinitionInput) {
  const command = new SlashCommandBuilder()
    .setName("generate")
    .setDescription("Generate an image from a text prompt")
    .setContexts(0);
  for (const row of paramRows) {
    const spec = row.discord;
    if (!spec || !input.workflows.some((workflow) => workflow.takes(row.name))) continue;
    if (spec.presets !== undefined && (input.presets?.[spec.presets].length ?? 0) === 0) continue;
    const choices = choicesOf(row, input);
    if (choices !== undefined && choices.length < 2) continue;
    const type = row.type;
    switch (type.kind) {
      case "text":
      case "name":
      case "choice":
        command.addStringOption((option) => {
          describe(option, row, spec.description);
          if (choices) option.addChoices(...choices);
          else if (type.kind !== "choice") option.setMaxLength(type.maxLength);
          if (spec.autocomplete) option.setAutocomplete(true);
          return option;
        });
        break;
      case "integer":
        command.addIntegerOption((option) =>
          describe(option, row, spec.description).setMinValue(type.min).setMaxValue(type.max),
        );
        break;
      case "number":
        command.addNumberOption((option) =>
          describe(option, row, spec.description).setMinValue(type.min).setMaxValue(type.max),
        );
        break;
      case "image":
        command.addAttachmentOption((option) => {
          option.setName(row.name).setDescription(spec.description);
          if (row.required) option.setRequired(true);
          return option;
        });
        break;
    }
  }
  return command.toJSON();
}

function describe<T extends SlashCommandStringOption | SlashCommandIntegerOption | SlashCommandNumberOption>(
  option: T,
  row: Param,
  description: string,
): T {
  option.setName(row.name).setDescription(description);
  if (row.required) option.setRequired(true);
  return option;
}

/** The option's choices, or undefined when the member types the value (or autocomplete offers it). */
function choicesOf(
  row: Param,
  input: GenerateDefinitionInput,
): { name: string; value: string }[] | undefined {
  switch (row.discord?.choices) {
    case undefined:
      return undefined;
    case "values":
      return row.type.kind === "choice"
        ? row.type.values.slice(0, maxChoices).map((value) => ({ name: value, value }))
        : undefined;
    case "workflows":
      return input.workflows.slice(0, maxChoices).map((workflow) => ({
        name: (workflow.description ? `${workflow.name}: ${workflow.description}` : workflow.name).slice(
          0,
          100,
        ),
        value: workflow.name,
      }));
  }
}
