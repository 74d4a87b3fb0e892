/** Width:height ratios offered as `/generate aspect:`; sizes come from each workflow's native budget. */
export const aspectPresets = {
  "1:1": [1, 1],
  "4:3": [4, 3],
  "3:4": [3, 4],
  "3:2": [3, 2],
  "2:3": [2, 3],
  "5:4": [5, 4],
  "4:5": [4, 5],
  "16:9": [16, 9],
  "9:16": [9, 16],
  "21:9": [21, 9],
  "9:21": [9, 21],
} as const satisfies Record<string, readonly [number, number]>;
export type AspectName = keyof typeof aspectPresets;
/** In the order offered. */
export const aspectNames = Object.keys(aspectPresets) as AspectName[];

export function isAspectName(value: string): value is AspectName {
  return Object.hasOwn(aspectPresets, value);
}

/**
 * The size for `aspect` with about the same pixel count as the workflow's native size (models
 * work best near the resolution they were trained at: 512² for SD1.5, 1024² for SDXL).
 * Sides are multiples of `multiple` (64 by default, what SDXL's trained sizes use; 8 is the
 * latent's minimum). Of the four roundings around the exact size, the one closest in ratio and
 * pixel count wins.
 */
export function sizeForAspect(
  aspect: AspectName,
  native: { width: number; height: number },
  multiple = 64,
): { width: number; height: number } {
  const [w, h] = aspectPresets[aspect];
  const ratio = w / h;
  const budget = native.width * native.height;
  const exactWidth = Math.sqrt(budget * ratio);
  const exactHeight = Math.sqrt(budget / ratio);
  const round = (value: number, direction: "floor" | "ceil"): number =>
    Math.max(multiple, Math[direction](value / multiple) * multiple);
  let best = { width: multiple, height: multiple };
  let bestScore = Infinity;
  for (const wd of ["floor", "ceil"] as const) {
    for (const hd of ["floor", "ceil"] as const) {
      const width = round(exactWidth, wd);
      const height = round(exactHeight, hd);
      const score =
        Math.abs(Math.log(width / height / ratio)) + Math.abs(Math.log((width * height) / budget));
      if (score < bestScore) {
        best = { width, height };
        bestScore = score;
      }
    }
  }
  return best;
}
