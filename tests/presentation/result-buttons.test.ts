import { describe, expect, it } from "vitest";
import { parseResultButton, resultButtons } from "../../src/presentation/result-buttons.js";

const all = { reroll: true, vary: true, upscale: true, remix: true };

function rows(buttons: ReturnType<typeof resultButtons>): string[][] {
  const byRow: string[][] = [];
  for (const button of buttons) (byRow[button.row ?? 0] ??= []).push(button.label);
  return byRow;
}

describe("resultButtons", () => {
  it("puts the five actions on one row for a single image, leaving out those that do not apply", () => {
    expect(rows(resultButtons(all, 1))).toEqual([["Reroll", "Vary", "Upscale", "Remix", "Delete"]]);
    expect(rows(resultButtons({ reroll: false, vary: false, upscale: true, remix: false }, 1))).toEqual([
      ["Upscale", "Delete"],
    ]);
    expect(resultButtons(all, 1).map((button) => button.emoji)).toEqual(["🎲", "🔀", "⬆️", "✏️", "🗑️"]);
  });

  it("gives a grid U and V rows of five, within Discord's five rows and unique custom ids", () => {
    expect(rows(resultButtons(all, 4))).toEqual([
      ["Reroll", "Remix", "Delete"],
      ["U1", "U2", "U3", "U4"],
      ["V1", "V2", "V3", "V4"],
    ]);
    const ten = resultButtons(all, 12);
    expect(rows(ten)).toHaveLength(5);
    expect(rows(ten).every((row) => row.length <= 5)).toBe(true);
    expect(new Set(ten.map((button) => button.customId)).size).toBe(ten.length);
    expect(ten.every((button) => button.customId.length <= 100)).toBe(true);
  });

  it("reads its own custom ids back and nothing else", () => {
    for (const button of resultButtons(all, 4)) expect(parseResultButton(button.customId)).toBeDefined();
    expect(parseResultButton("result:upscale:2")).toEqual({ action: "upscale", image: 2 });
    expect(parseResultButton("result:reroll")).toEqual({ action: "reroll", image: 1 });
    expect(parseResultButton("result:vary:0")).toBeUndefined();
    expect(parseResultButton("result:vary:11")).toBeUndefined();
    expect(parseResultButton("result:explode")).toBeUndefined();
    expect(parseResultButton("job:cancel:1")).toBeUndefined();
  });
});
