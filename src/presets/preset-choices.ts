import type { ObjectInfo } from "../comfy/object-info.js";
import type { SettingValues } from "../moderation/effective-settings.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";
import { loraListed } from "./lora-hosts.js";
import { allowedStyles, styleNamed, type Presets } from "./presets.js";

/** What the member has typed so far, where: the channel's rules and the other options. */
export interface PresetQuery {
  settings: SettingValues;
  /** The focused option's text. */
  typed: string;
  /** The `workflow` option, if given yet. */
  workflow?: string | undefined;
  /** The `style` option, if given yet (its workflow is the one that runs unless one is picked). */
  style?: string | undefined;
}

export interface PresetChoice {
  /** What Discord shows: the name, and the operator's description (100 characters at most). */
  name: string;
  /** What the option gets: the preset's name. */
  value: string;
}

export interface PresetMenuOptions {
  presets: Presets;
  /** Every configured workflow, default first. */
  templates: readonly WorkflowTemplate[];
  /** The connected hosts that can run a workflow (`WorkflowValidity.objectInfosFor`). */
  hostInfosFor: (template: WorkflowTemplate) => ObjectInfo[];
}

/** Discord shows at most 25 suggestions. */
const maxChoices = 25;

/**
 * Autocomplete for `style:` and `lora:`. Styles: the ones the channel allows. LoRAs: none when
 * the workflow that would run (the member's pick, else the style's, else the channel's default)
 * has no LoRA loader, and otherwise the allow-listed ones some host running it has (all of them
 * while no host has reported), so a member is not offered what would be refused.
 */
export function presetChoices(
  options: PresetMenuOptions,
  kind: "styles" | "loras",
  query: PresetQuery,
): PresetChoice[] {
  const typed = query.typed.trim().toLowerCase();
  const entries =
    kind === "styles" ? allowedStyles(options.presets, query.settings.styles) : loraEntries(options, query);
  return entries
    .filter((entry) => entry.name.includes(typed) || (entry.description ?? "").toLowerCase().includes(typed))
    .slice(0, maxChoices)
    .map((entry) => ({ name: label(entry.name, entry.description), value: entry.name }));
}

function loraEntries(options: PresetMenuOptions, query: PresetQuery) {
  const template = runningTemplate(options, query);
  if (!template?.takes("lora")) return [];
  const infos = options.hostInfosFor(template);
  if (infos.length === 0) return [...options.presets.loras];
  return options.presets.loras.filter((lora) => infos.some((info) => loraListed(info, template, lora.file)));
}

/** The workflow a `/generate` with these options would run, if the channel allows it. */
function runningTemplate(options: PresetMenuOptions, query: PresetQuery): WorkflowTemplate | undefined {
  const allowed = options.templates.filter(
    (template) => query.settings.workflows.length === 0 || query.settings.workflows.includes(template.name),
  );
  const style = query.style === undefined ? undefined : styleNamed(options.presets, query.style);
  const name = query.workflow ?? style?.workflow;
  return name === undefined ? allowed[0] : allowed.find((template) => template.name === name);
}

function label(name: string, description: string | undefined): string {
  const text = description === undefined ? name : `${name} — ${description}`;
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}
