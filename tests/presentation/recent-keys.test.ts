import { describe, expect, it } from "vitest";
import { RecentKeys } from "../../src/presentation/recent-keys.js";

describe("RecentKeys", () => {
  it("forgets the least recently added key beyond its capacity", () => {
    const keys = new RecentKeys(2);
    keys.add("a");
    keys.add("b");
    keys.add("a");
    keys.add("c");
    expect(["a", "b", "c"].map((key) => keys.has(key))).toEqual([true, false, true]);
  });
});
