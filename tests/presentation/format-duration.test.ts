import { describe, expect, it } from "vitest";
import { formatDuration, formatWindow } from "../../src/presentation/format-duration.js";

describe("formatDuration", () => {
  it("shows seconds, then minutes with padded seconds, then hours with padded minutes", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(45_999)).toBe("45 s");
    expect(formatDuration(65_000)).toBe("1 m 05 s");
    expect(formatDuration(59 * 60_000 + 59_000)).toBe("59 m 59 s");
    expect(formatDuration(2 * 3_600_000 + 3 * 60_000 + 10_000)).toBe("2 h 03 m");
  });

  it("reads negative and non-finite durations as zero", () => {
    expect(formatDuration(-5000)).toBe("0 s");
    expect(formatDuration(Number.NaN)).toBe("0 s");
  });
});

describe("formatWindow", () => {
  it("says short windows in seconds and long round ones in minutes or hours", () => {
    expect(formatWindow(60_000)).toBe("60 s");
    expect(formatWindow(90_000)).toBe("90 s");
    expect(formatWindow(600_000)).toBe("10 min");
    expect(formatWindow(3_600_000)).toBe("1 h");
  });
});
