import { describe, expect, it } from "vitest";
import {
  aspectPresets,
  isAspectName,
  sizeForAspect,
  type AspectName,
} from "../../src/workflows/aspect-presets.js";

const names = Object.keys(aspectPresets) as AspectName[];

describe("sizeForAspect", () => {
  it("keeps the native pixel budget, in multiples of 64 next to the exact size for the ratio", () => {
    for (const native of [
      { width: 512, height: 512 },
      { width: 1024, height: 1024 },
      { width: 768, height: 512 },
    ]) {
      const budget = native.width * native.height;
      for (const name of names) {
        const [w, h] = aspectPresets[name];
        const size = sizeForAspect(name, native);
        expect(size.width % 64, `${name} width`).toBe(0);
        expect(size.height % 64, `${name} height`).toBe(0);
        // Each side is one of the two multiples of 64 around the exact size for the ratio.
        expect(Math.abs(size.width - Math.sqrt((budget * w) / h)), `${name} width`).toBeLessThan(64);
        expect(Math.abs(size.height - Math.sqrt((budget * h) / w)), `${name} height`).toBeLessThan(64);
        // A 64-pixel step is 12-15% of a short side at these budgets, hence the margins.
        expect(Math.abs(size.width * size.height - budget) / budget, `${name} pixels`).toBeLessThanOrEqual(
          0.13,
        );
        expect(Math.abs(size.width / size.height / (w / h) - 1), `${name} ratio`).toBeLessThanOrEqual(0.13);
      }
    }
  });

  it("returns the native size for 1:1 and orients portrait and landscape the right way", () => {
    expect(sizeForAspect("1:1", { width: 1024, height: 1024 })).toEqual({ width: 1024, height: 1024 });
    const landscape = sizeForAspect("16:9", { width: 1024, height: 1024 });
    const portrait = sizeForAspect("9:16", { width: 1024, height: 1024 });
    expect(landscape.width).toBeGreaterThan(landscape.height);
    expect(portrait).toEqual({ width: landscape.height, height: landscape.width });
  });

  it("can round to multiples of 8 for a finer fit", () => {
    const size = sizeForAspect("21:9", { width: 512, height: 512 }, 8);
    expect((size.width % 8) + (size.height % 8)).toBe(0);
    expect(Math.abs(size.width * size.height - 512 * 512) / (512 * 512)).toBeLessThan(0.03);
  });

  it("recognises preset names", () => {
    expect(isAspectName("16:9")).toBe(true);
    expect(isAspectName("toString")).toBe(false);
    expect(isAspectName("7:3")).toBe(false);
  });
});
