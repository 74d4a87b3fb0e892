import { describe, expect, expectTypeOf, it } from "vitest";
import {
  checkGenerationRequest,
  generationRequestSchema,
  jobParamsSchema,
  type GenerationRequest,
  type JobParams,
} from "../../src/request/generation-request.js";
import { paramRows } from "../../src/request/param-table.js";
import type { AspectName } from "../../src/workflows/aspect-presets.js";

describe("the generation request schema", () => {
  it("has one field per row of the parameter table, only the prompt required", () => {
    expect(Object.keys(generationRequestSchema.shape)).toEqual(paramRows.map((row) => row.name));
    expect(generationRequestSchema.safeParse({ prompt: "a cat" }).success).toBe(true);
    expect(checkGenerationRequest({ steps: 20 })).toEqual({
      ok: false,
      param: "prompt",
      message: "A prompt is required.",
    });
  });

  it("types each field from its row: numbers, text, and aspect ratios by name", () => {
    expectTypeOf<GenerationRequest["steps"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<GenerationRequest["prompt"]>().toEqualTypeOf<string>();
    expectTypeOf<GenerationRequest["aspect"]>().toEqualTypeOf<AspectName | undefined>();
    expectTypeOf<GenerationRequest["workflow"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<JobParams["count"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<JobParams>().not.toHaveProperty("aspect");
    expectTypeOf<JobParams>().not.toHaveProperty("workflow");
  });

  it("accepts a member's seed only as a safe integer from 0 up", () => {
    expect(checkGenerationRequest({ prompt: "x", seed: Number.MAX_SAFE_INTEGER }).ok).toBe(true);
    expect(checkGenerationRequest({ prompt: "x", seed: 0 }).ok).toBe(true);
    for (const seed of [-1, 1.5, 2 ** 53, Number.NaN]) {
      const check = checkGenerationRequest({ prompt: "x", seed });
      expect(check).toEqual({
        ok: false,
        param: "seed",
        message: "Seed must be a whole number from 0 to 9007199254740991.",
      });
    }
  });

  it("refuses values outside the ranges Discord offers, in the member's words", () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ steps: 0 }, "steps", "Steps must be a whole number from 1 to 500."],
      [{ steps: 2.5 }, "steps", "Steps must be a whole number from 1 to 500."],
      [{ cfg: 101 }, "cfg", "CFG must be a number from 0 to 100."],
      [{ width: 500 }, "width", "Width 500 must be a multiple of 8."],
      [{ height: 9000 }, "height", "Height must be a whole number from 64 to 8192."],
      [{ count: 11 }, "count", "Image count must be a whole number from 1 to 10."],
      [{ denoise: 1.5 }, "denoise", "Denoise must be a number from 0 to 1."],
      [{ aspect: "7:5" }, "aspect", 'Unknown aspect ratio "7:5"; choose one of: 1:1, 4:3,'],
      [{ negative: "n".repeat(6001) }, "negative", "The negative prompt is longer than 6000 characters."],
      [{ model: "m".repeat(201) }, "model", "Model is longer than 200 characters."],
    ];
    for (const [change, param, message] of cases) {
      const check = checkGenerationRequest({ prompt: "x", ...change });
      expect(check.ok).toBe(false);
      if (check.ok) continue;
      expect(check.param).toBe(param);
      expect(check.message.slice(0, message.length)).toBe(message);
    }
  });

  it("refuses an empty prompt", () => {
    expect(checkGenerationRequest({ prompt: "  \n" })).toMatchObject({
      ok: false,
      message: "The prompt is empty.",
    });
  });

  it("drops keys that are not parameters, such as a stored request's old extras", () => {
    const check = checkGenerationRequest({ prompt: "x", userNegative: "old", parentChannelId: "1" });
    expect(check).toEqual({ ok: true, request: { prompt: "x" } });
  });
});

describe("the built values' schema", () => {
  it("has a field per bound row, under the row's name, and reads back values outside a member's range", () => {
    expect(Object.keys(jobParamsSchema.shape)).toEqual(
      paramRows.filter((row) => row.binding !== undefined).map((row) => row.name),
    );
    // A workflow's own default may lie outside what a member may type; a stored job must still read.
    expect(jobParamsSchema.parse({ prompt: "x", steps: 900, width: 32 })).toEqual({
      prompt: "x",
      steps: 900,
      width: 32,
    });
    expect(jobParamsSchema.safeParse({ prompt: "x", steps: 1.5 }).success).toBe(false);
  });
});
