import { describe, expect, it } from "vitest";
import { generateUsage, parseGenerateArgs } from "../../src/cli/generate-options.js";
import { paramRows } from "../../src/request/param-table.js";

describe("npm run generate's options", () => {
  it("offers a flag for every parameter the table gives one, with its help, then its own flags", () => {
    const flags = [...generateUsage.matchAll(/^ {2}(--[a-z_]+)/gm)].map((match) => match[1]);
    expect(flags).toEqual([
      "--negative",
      "--seed",
      "--steps",
      "--cfg",
      "--aspect",
      "--width",
      "--height",
      "--model",
      "--workflow",
      "--count",
      "--style",
      "--lora",
      "--lora_strength",
      "--out",
      "--nsfw",
      "--verbose",
    ]);
    expect(flags.slice(0, -3)).toEqual(paramRows.filter((row) => row.cli).map((row) => `--${row.name}`));
    expect(generateUsage).toMatch(/^ {2}--steps <n> +Sampling steps$/m);
    expect(generateUsage).toMatch(
      /^ {2}--workflow, -w <name> +A workflow from the config \(default: the first\)$/m,
    );
  });

  it("reads a style and a LoRA by name and the LoRA strength as a number, held to -2..2", () => {
    expect(
      parseGenerateArgs(["a", "fox", "--style", "watercolor", "--lora", "detail", "--lora_strength=-0.5"])
        .request,
    ).toEqual({ prompt: "a fox", style: "watercolor", lora: "detail", lora_strength: -0.5 });
    expect(() => parseGenerateArgs(["x", "--lora_strength", "3"])).toThrow(
      '--lora_strength expects a number from -2 to 2, got "3"',
    );
  });

  it("reads each flag as the row's type: numbers as numbers, names and ratios as text", () => {
    const parsed = parseGenerateArgs([
      "a",
      "lighthouse",
      "-w",
      "sd15",
      "--seed",
      "42",
      "--steps",
      "20",
      "--cfg",
      "7.5",
      "--width",
      "768",
      "--height",
      "512",
      "--aspect",
      "16:9",
      "--negative",
      "blurry",
      "--model",
      "x.safetensors",
      "--count",
      "2",
      "--out",
      "out.png",
      "--nsfw",
    ]);
    expect(parsed).toEqual({
      request: {
        prompt: "a lighthouse",
        workflow: "sd15",
        seed: 42,
        steps: 20,
        cfg: 7.5,
        width: 768,
        height: 512,
        aspect: "16:9",
        negative: "blurry",
        model: "x.safetensors",
        count: 2,
      },
      out: "out.png",
      nsfw: true,
      verbose: false,
      help: false,
    });
  });

  it("refuses a value outside the row's type or range, saying what it expects", () => {
    const error = (argv: string[]) => {
      try {
        parseGenerateArgs(["a prompt", ...argv]);
      } catch (caught) {
        return (caught as Error).message;
      }
      return undefined;
    };
    expect(error(["--steps", "many"])).toBe('--steps expects a whole number from 1 to 500, got "many"');
    expect(error(["--steps", "0"])).toBe('--steps expects a whole number from 1 to 500, got "0"');
    expect(error(["--seed=-1"])).toBe('--seed expects a whole number from 0 to 9007199254740991, got "-1"');
    expect(error(["--cfg", ""])).toBe('--cfg expects a number from 0 to 100, got ""');
    expect(error(["--width", "500"])).toBe(
      '--width expects a whole number from 64 to 8192, a multiple of 8, got "500"',
    );
    expect(error(["--aspect", "7:5"])).toMatch(/^--aspect expects one of 1:1, 4:3, .*, got "7:5"$/);
    expect(error([])).toBeUndefined();
  });

  it("needs a prompt unless asked for help", () => {
    expect(() => parseGenerateArgs([])).toThrow("a prompt is required");
    expect(parseGenerateArgs(["--help"]).help).toBe(true);
  });
});
