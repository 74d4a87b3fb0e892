import { inlineCode } from "@discordjs/formatters";
import { paramRows, type ParamName } from "../request/param-table.js";
import { displayName } from "./display-name.js";
import type { JobViewParams } from "./job-view-state.js";
import type { EmbedView } from "./message-view.js";

type EmbedField = NonNullable<EmbedView["fields"]>[number];

/**
 * The finished job's parameter fields, one per table row with a `view`, in table order: Seed,
 * Steps, CFG, Size, Model, Workflow, Images. A value the job does not have is left out.
 */
export function paramFields(params: JobViewParams): EmbedField[] {
  const values: Partial<Record<ParamName, string | number | undefined>> = params;
  const fields: EmbedField[] = [];
  for (const row of paramRows) {
    const view = row.view;
    const value = values[row.name];
    if (!view || value === undefined) continue;
    if (view.shownAbove !== undefined && typeof value === "number" && value <= view.shownAbove) continue;
    let text = String(value);
    if (view.pairedWith !== undefined) {
      const other = values[view.pairedWith as ParamName];
      if (other === undefined) continue;
      text = `${text}×${String(other)}`;
    }
    fields.push({ name: view.label, value: formatted(text, view.format), inline: true });
  }
  return fields;
}

function formatted(text: string, format: "plain" | "code" | "name" | undefined): string {
  switch (format) {
    case undefined:
    case "plain":
      return text;
    case "code":
      return inlineCode(text);
    case "name":
      return displayName(text);
  }
}
