import { describe, expect, it } from "vitest";
import { percent, progressBar } from "../../src/presentation/progress-bar.js";

describe("progressBar", () => {
  it("fills one cell per tenth by default", () => {
    expect(progressBar(0.4)).toBe("▰▰▰▰▱▱▱▱▱▱");
    expect(progressBar(0)).toBe("▱".repeat(10));
    expect(progressBar(1)).toBe("▰".repeat(10));
  });

  it("is only full when the work is", () => {
    expect(progressBar(0.99)).toBe("▰".repeat(9) + "▱");
    expect(percent(0.999)).toBe(99);
    expect(percent(12 / 30)).toBe(40);
  });

  it("clamps glitchy fractions instead of drawing a broken bar", () => {
    expect(progressBar(1.7)).toBe("▰".repeat(10));
    expect(progressBar(-0.2)).toBe("▱".repeat(10));
    expect(progressBar(Number.NaN)).toBe("▱".repeat(10));
    expect(progressBar(0.5, 4)).toBe("▰▰▱▱");
  });

  it("draws the default ten cells when asked for a width it cannot draw", () => {
    for (const width of [0, -4, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(progressBar(0.5, width)).toBe("▰▰▰▰▰▱▱▱▱▱");
    }
  });
});
