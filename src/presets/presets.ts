import type { LoraConfig, StyleConfig } from "../config/preset-schema.js";
import { checkParamLimit } from "../moderation/check-generate.js";
import type { SettingValues } from "../moderation/effective-settings.js";

export type { LoraConfig, StyleConfig } from "../config/preset-schema.js";

/**
 * The operator's presets from the config: styles (`styles[]`) members pick with `/generate
 * style:`, and the LoRAs (`loras[]`) they may pick with `lora:`. Both are looked up by name at
 * admission, so a stored request keeps names and a reroll uses the config as it is then.
 */
export interface Presets {
  readonly styles: readonly StyleConfig[];
  readonly loras: readonly LoraConfig[];
}

export const noPresets: Presets = { styles: [], loras: [] };

/** A refusal in the member's words; the codes are the generation service's. */
export interface PresetRefusal {
  ok: false;
  code: "bad_value" | "param_not_offered" | "style_not_allowed";
  message: string;
}

export function styleNamed(presets: Presets, name: string): StyleConfig | undefined {
  return presets.styles.find((style) => style.name === name);
}

export function loraNamed(presets: Presets, name: string): LoraConfig | undefined {
  return presets.loras.find((lora) => lora.name === name);
}

/** The styles a channel's `styles` setting allows (empty: all), in config order. */
export function allowedStyles(presets: Presets, allowed: readonly string[]): StyleConfig[] {
  return presets.styles.filter((style) => allowed.length === 0 || allowed.includes(style.name));
}

/**
 * The member's style, if they asked for one: refused when the config has none by that name, and
 * when the channel's `styles` setting leaves it out. Checked before anything else is built, so
 * the refusal names the style rather than the workflow it would have picked.
 */
export function pickStyle(
  presets: Presets,
  name: string | undefined,
  settings: SettingValues,
): { ok: true; style: StyleConfig | undefined } | PresetRefusal {
  if (name === undefined) return { ok: true, style: undefined };
  const style = styleNamed(presets, name);
  if (style === undefined) {
    const offered = allowedStyles(presets, settings.styles).map((entry) => entry.name);
    return {
      ok: false,
      code: "bad_value",
      message:
        offered.length === 0
          ? `There is no style called "${name}", and none is offered here.`
          : `There is no style called "${name}". Choose one of: ${offered.join(", ")}.`,
    };
  }
  const refusal = checkParamLimit("style", style.name, settings);
  if (refusal !== undefined) return { ok: false, code: "style_not_allowed", message: refusal.message };
  return { ok: true, style };
}
