import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointNames, objectInfoSchema } from "../../src/comfy/object-info.js";
import { tracesDir } from "../support/traces-dir.js";

describe("objectInfoSchema", () => {
  it("accepts the raw /object_info of a real ComfyUI 0.3.64, including classes with a null display_name", () => {
    const raw = JSON.parse(readFileSync(path.join(tracesDir, "object_info_full.raw.json"), "utf8")) as Record<
      string,
      { display_name: unknown }
    >;
    const info = objectInfoSchema.parse(raw);
    expect(Object.keys(info)).toHaveLength(Object.keys(raw).length);
    expect(raw.LatentAdd?.display_name).toBeNull();
    expect(info.LatentAdd?.display_name).toBeUndefined();
    expect(info.KSampler?.output_node).toBe(false);
    expect(Array.isArray(checkpointNames(info))).toBe(true);
  });
});
