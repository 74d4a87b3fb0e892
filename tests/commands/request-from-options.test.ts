import {
  ApplicationCommandOptionType,
  CommandInteractionOptionResolver,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
} from "discord.js";
import { describe, expect, it } from "vitest";
import { requestFromOptions } from "../../src/commands/request-from-options.js";

/** The resolver discord.js builds from an interaction's options (its constructor is private). */
function resolver(options: CommandInteractionOption[]): ChatInputCommandInteraction["options"] {
  return Reflect.construct(CommandInteractionOptionResolver, [null, options, {}]);
}

describe("reading /generate's options", () => {
  it("reads each option the member gave with the getter of its row's type", () => {
    const { String: text, Integer: integer, Number: number } = ApplicationCommandOptionType;
    const request = requestFromOptions(
      resolver([
        { name: "prompt", type: text, value: "a fox" },
        { name: "negative", type: text, value: "blurry" },
        { name: "seed", type: integer, value: 42 },
        { name: "steps", type: integer, value: 20 },
        { name: "cfg", type: number, value: 6.5 },
        { name: "aspect", type: text, value: "16:9" },
        { name: "width", type: integer, value: 768 },
        { name: "height", type: integer, value: 512 },
        { name: "model", type: text, value: "x.safetensors" },
        { name: "workflow", type: text, value: "sd15" },
        { name: "count", type: integer, value: 2 },
      ]),
    );
    expect(request).toEqual({
      prompt: "a fox",
      negative: "blurry",
      seed: 42,
      steps: 20,
      cfg: 6.5,
      aspect: "16:9",
      width: 768,
      height: 512,
      model: "x.safetensors",
      workflow: "sd15",
      count: 2,
    });
  });

  it("leaves out the options the member did not give", () => {
    const request = requestFromOptions(
      resolver([{ name: "prompt", type: ApplicationCommandOptionType.String, value: "a fox" }]),
    );
    expect(request).toEqual({ prompt: "a fox" });
  });
});
