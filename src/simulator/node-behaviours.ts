import { createHash, randomInt } from "node:crypto";
import type { ImageRef } from "./prompt-queue.js";

/** A value flowing along a link: only what the simulator needs to fake the next node. */
export interface SimValue {
  type: string;
  /** Content key derived from everything upstream: seeds and prompt texts change it. */
  key: string;
  width: number;
  height: number;
  batch: number;
}

/** A node raising an exception (FakeFail, or a class named in `failNodes`). */
export class NodeFailure extends Error {
  constructor(
    message: string,
    readonly exceptionType = "RuntimeError",
  ) {
    super(message);
  }
}

export interface NodeContext {
  nodeId: string;
  classType: string;
  /** Literal inputs as given, linked inputs as the upstream value. */
  inputs: Record<string, unknown>;
  outputTypes: readonly string[];
  signature: string;
  defaultStepMs: number;
  /** Sampler steps: waits, reports progress and previews, and throws when interrupted. */
  runSteps: (steps: number, stepMs: number) => Promise<void>;
  loadCheckpoint: (name: string) => Promise<void>;
  saveImages: (images: SimValue, type: "output" | "temp", prefix: string) => ImageRef[];
  inputImage: (name: string) => { key: string; width: number; height: number } | undefined;
}

export interface NodeResult {
  outputs: SimValue[];
  ui?: { images: ImageRef[] };
}

function num(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

function asValue(value: unknown): SimValue | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "key" in value
    ? (value as SimValue)
    : undefined;
}

function outputKey(signature: string, index: number): string {
  return createHash("sha256").update(`${signature}#${index}`).digest("hex");
}

function firstSized(inputs: Record<string, unknown>): SimValue | undefined {
  return Object.values(inputs)
    .map(asValue)
    .find((v) => v !== undefined && v.width > 0);
}

function make(ctx: NodeContext, size: { width: number; height: number; batch: number }): SimValue[] {
  return ctx.outputTypes.map((type, i) => ({ type, key: outputKey(ctx.signature, i), ...size }));
}

const noSize = { width: 0, height: 0, batch: 1 };

function resized(
  ctx: NodeContext,
  source: SimValue | undefined,
): { width: number; height: number; batch: number } {
  const base = source ?? { width: 512, height: 512, batch: 1 };
  let width = num(ctx.inputs["width"], 0);
  let height = num(ctx.inputs["height"], 0);
  // ComfyUI keeps the aspect ratio when one side is 0.
  if (width === 0 && height === 0) return { width: base.width, height: base.height, batch: base.batch };
  if (width === 0) width = Math.round((base.width * height) / Math.max(1, base.height));
  if (height === 0) height = Math.round((base.height * width) / Math.max(1, base.width));
  return { width, height, batch: base.batch };
}

function tempPrefix(): string {
  const letters = Array.from({ length: 5 }, () => String.fromCharCode(97 + randomInt(26))).join("");
  return `ComfyUI_temp_${letters}`;
}

/** What each node class does in the simulator; unknown classes pass the size of their first image input on. */
export async function runNodeBehaviour(ctx: NodeContext): Promise<NodeResult> {
  const inputs = ctx.inputs;
  switch (ctx.classType) {
    case "CheckpointLoaderSimple":
      await ctx.loadCheckpoint(String(inputs["ckpt_name"]));
      return { outputs: make(ctx, noSize) };
    case "EmptyLatentImage":
    case "EmptySD3LatentImage":
      return {
        outputs: make(ctx, {
          width: num(inputs["width"], 512),
          height: num(inputs["height"], 512),
          batch: num(inputs["batch_size"], 1),
        }),
      };
    case "KSampler": {
      await ctx.runSteps(num(inputs["steps"], 20), ctx.defaultStepMs);
      return { outputs: make(ctx, asValue(inputs["latent_image"]) ?? { width: 512, height: 512, batch: 1 }) };
    }
    case "KSamplerAdvanced": {
      const steps = num(inputs["steps"], 20);
      const last = Math.min(steps, num(inputs["end_at_step"], steps));
      await ctx.runSteps(Math.max(1, last - num(inputs["start_at_step"], 0)), ctx.defaultStepMs);
      return { outputs: make(ctx, asValue(inputs["latent_image"]) ?? { width: 512, height: 512, batch: 1 }) };
    }
    case "FakeSampler": {
      await ctx.runSteps(num(inputs["steps"], 10), num(inputs["step_ms"], ctx.defaultStepMs));
      return {
        outputs: make(ctx, { width: num(inputs["width"], 64), height: num(inputs["height"], 64), batch: 1 }),
      };
    }
    case "FakeFail":
      throw new NodeFailure(
        `${typeof inputs["message"] === "string" ? inputs["message"] : "FakeFail: deliberate failure"}\n`,
      );
    case "LatentUpscale":
    case "ImageScale":
      return { outputs: make(ctx, resized(ctx, firstSized(inputs))) };
    case "LoadImage": {
      const image = ctx.inputImage(String(inputs["image"]));
      if (image === undefined)
        throw new NodeFailure(`Invalid image file: ${String(inputs["image"])}`, "FileNotFoundError");
      return { outputs: make(ctx, { width: image.width, height: image.height, batch: 1 }) };
    }
    case "SaveImage":
    case "PreviewImage": {
      const images = asValue(inputs["images"]);
      if (images === undefined) return { outputs: [], ui: { images: [] } };
      const saved =
        ctx.classType === "SaveImage"
          ? ctx.saveImages(
              images,
              "output",
              typeof inputs["filename_prefix"] === "string" ? inputs["filename_prefix"] : "ComfyUI",
            )
          : ctx.saveImages(images, "temp", tempPrefix());
      return { outputs: [], ui: { images: saved } };
    }
    default:
      return { outputs: make(ctx, firstSized(inputs) ?? noSize) };
  }
}
