import { describe, expect, it } from "vitest";
import { TerminalProgress } from "../../src/cli/terminal-progress.js";

function terminal(columns: number | undefined): { progress: TerminalProgress; lines: string[] } {
  const lines: string[] = [];
  const progress = new TerminalProgress({ isTTY: true, columns, write: (text) => lines.push(text) });
  return { progress, lines };
}

const redraw = "\r\u001b[2K";

describe("the live progress line on a terminal", () => {
  it("draws the whole line when the terminal reports 0 columns", () => {
    const { progress, lines } = terminal(0);
    progress.update({ type: "node", nodeId: "3", nodeType: "KSampler" });
    progress.update({ type: "progress", value: 12, max: 30, overall: 0.4, etaMs: 0 });
    expect(lines.at(-1)).toBe(`${redraw}step 12/30 · 40% ▰▰▰▰▱▱▱▱▱▱ · KSampler`);
  });

  it("draws the whole line when the terminal reports no usable width", () => {
    for (const columns of [undefined, -1, Number.NaN]) {
      const { progress, lines } = terminal(columns);
      progress.update({ type: "started", backend: "gpu-a" });
      expect(lines.at(-1)).toBe(`${redraw}running on gpu-a`);
    }
  });

  it("cuts the line to a narrow terminal so a carriage return can redraw it", () => {
    const { progress, lines } = terminal(12);
    progress.update({ type: "started", backend: "gpu-a" });
    expect(lines.at(-1)).toBe(`${redraw}running on…`);
  });
});
