import type { ButtonView } from "./message-view.js";

/** Which of a result's buttons make sense for it; Delete is always there. */
export interface ResultActionSet {
  /** Its workflow takes a seed: a new one makes a new image. */
  reroll: boolean;
  /** An image-to-image workflow is configured (`actions.img2img`). */
  vary: boolean;
  /** An upscale workflow is configured (`actions.upscale`) and this is not already its result. */
  upscale: boolean;
  /** Its workflow takes a prompt to edit. */
  remix: boolean;
}

export type ResultAction = "reroll" | "vary" | "upscale" | "remix" | "delete";

/** Custom ids are `result:<action>` or `result:<action>:<n>` (the n-th image, 1-based). */
export const resultButtonPrefix = "result";
/** Discord allows 5 buttons per row and 5 rows: the action row, then U and V rows of 5. */
const perRow = 5;
/** With 10 images: 1 action row + 2 U rows + 2 V rows, Discord's 5. */
export const maxImageButtons = 10;

const labels: Record<ResultAction, { label: string; emoji: string }> = {
  reroll: { label: "Reroll", emoji: "🎲" },
  vary: { label: "Vary", emoji: "🔀" },
  upscale: { label: "Upscale", emoji: "⬆️" },
  remix: { label: "Remix", emoji: "✏️" },
  delete: { label: "Delete", emoji: "🗑️" },
};

function button(action: ResultAction, row: number, image?: number, label?: string): ButtonView {
  const { emoji } = labels[action];
  return {
    customId:
      image === undefined ? `${resultButtonPrefix}:${action}` : `${resultButtonPrefix}:${action}:${image}`,
    label: label ?? labels[action].label,
    emoji,
    style: action === "delete" ? "danger" : "secondary",
    row,
  };
}

/**
 * The buttons under a result. One image: 🎲 Reroll, 🔀 Vary, ⬆️ Upscale, ✏️ Remix, 🗑️ Delete (those
 * that apply). Several (a grid): 🎲 Reroll, ✏️ Remix and 🗑️ Delete, then U1…Un (upscale that one)
 * and V1…Vn (vary that one) in rows of five. Everything a press needs is in the custom id and
 * the result index, so they work after a restart and long after the interaction token expired.
 */
export function resultButtons(actions: ResultActionSet, images: number): ButtonView[] {
  const shown = Math.min(images, maxImageButtons);
  const single = shown <= 1;
  const main: ButtonView[] = [];
  if (actions.reroll) main.push(button("reroll", 0));
  if (single && actions.vary) main.push(button("vary", 0, 1));
  if (single && actions.upscale) main.push(button("upscale", 0, 1));
  if (actions.remix) main.push(button("remix", 0));
  main.push(button("delete", 0));
  if (single) return main;
  const perImage: ButtonView[] = [];
  let row = 1;
  for (const action of ["upscale", "vary"] as const) {
    if (!actions[action]) continue;
    for (let start = 1; start <= shown; start += perRow, row++) {
      for (let n = start; n < start + perRow && n <= shown; n++) {
        perImage.push(button(action, row, n, `${action === "upscale" ? "U" : "V"}${n}`));
      }
    }
  }
  return [...main, ...perImage];
}

/** What a result button asks for, or undefined for a custom id that is not one. */
export function parseResultButton(customId: string): { action: ResultAction; image: number } | undefined {
  const [prefix, action, image, ...rest] = customId.split(":");
  if (prefix !== resultButtonPrefix || rest.length > 0 || action === undefined || !(action in labels)) {
    return undefined;
  }
  const n = image === undefined ? 1 : Number(image);
  if (!Number.isInteger(n) || n < 1 || n > maxImageButtons) return undefined;
  return { action: action as ResultAction, image: n };
}
