import type { SettingValues } from "../moderation/effective-settings.js";
import type { MaxSettingKey } from "../request/param-row.js";
import { paramNamed } from "../request/param-table.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";
import type { StyleParamName } from "../config/preset-schema.js";
import type { Presets, StyleConfig } from "./presets.js";

/** Something in `styles`/`loras` that works, but not as the operator probably meant. */
export interface PresetWarning {
  /** "style watercolor: params.cfg is ignored: ..." */
  message: string;
  fix: string;
}

/**
 * What the config schema cannot see because it needs the loaded workflows: a style's param its
 * workflow does not take (it is skipped, not refused), a param above the bot-wide limits (members
 * picking the style would be refused unless they give a lower value), a style whose workflow did
 * not load, and LoRAs listed where no workflow has a LoRA loader. For the start-up log and doctor.
 */
export function checkPresets(
  presets: Presets,
  templates: readonly WorkflowTemplate[],
  limits: Pick<SettingValues, MaxSettingKey>,
): PresetWarning[] {
  const warnings: PresetWarning[] = [];
  for (const style of presets.styles) warnings.push(...checkStyle(style, templates, limits));
  if (presets.loras.length > 0 && !templates.some((template) => template.takes("lora"))) {
    warnings.push({
      message: "loras are listed, but no workflow has a LoRA loader, so /generate offers no lora option",
      fix: "add a workflow with one LoraLoader (the shipped workflows/sd15-lora.json), or remove loras",
    });
  }
  return warnings;
}

function checkStyle(
  style: StyleConfig,
  templates: readonly WorkflowTemplate[],
  limits: Pick<SettingValues, MaxSettingKey>,
): PresetWarning[] {
  const warnings: PresetWarning[] = [];
  const subject = `style ${style.name}`;
  const pinned = style.workflow === undefined ? undefined : templates.find((t) => t.name === style.workflow);
  if (style.workflow !== undefined && pinned === undefined) {
    warnings.push({
      message: `${subject}: its workflow "${style.workflow}" did not load, so members who pick the style without a workflow are refused`,
      fix: `fix workflow ${style.workflow} (see its problems), or point styles[].workflow elsewhere`,
    });
  }
  const candidates = pinned ? [pinned] : templates;
  for (const [name, value] of Object.entries(style.params ?? {}) as [StyleParamName, string | number][]) {
    const row = paramNamed(name);
    if (candidates.length > 0 && !candidates.some((template) => template.takes(name))) {
      const where = pinned ? `workflow ${pinned.name} does not take` : "no workflow takes";
      warnings.push({
        message: `${subject}: params.${name} is ignored: ${where} ${row.label}`,
        fix: `remove params.${name}, or bind it in that workflow's bindings`,
      });
    }
    const limit = row.limit;
    if (limit?.kind === "max" && typeof value === "number" && value > limits[limit.setting]) {
      warnings.push({
        message: `${subject}: params.${name} ${value} is above the bot-wide ${limit.setting} of ${limits[limit.setting]}, so members who pick it are refused unless they give a lower ${row.label}`,
        fix: `lower styles[].params.${name} for ${style.name}, or raise settings.${limit.setting}`,
      });
    }
  }
  return warnings;
}
