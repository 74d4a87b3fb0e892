import { SlashCommandBuilder } from "discord.js";

export interface GenerateDefinitionInput {
  workflows: ReadonlyArray<{ name: string; description?: string | undefined }>;
  aspects: readonly string[];
  /** Largest `count` any workflow allows; the option is left out when no workflow binds a batch size. */
  maxCount: number | undefined;
}

/** Discord's own cap for integer options; seeds above it cannot be typed in Discord anyway. */
const maxSafeSeed = Number.MAX_SAFE_INTEGER;

/**
 * `/generate`. Limits here are the widest any channel may allow; the channel's effective
 * settings and the workflow's input specs narrow them when the command runs.
 */
export function generateDefinition(input: GenerateDefinitionInput) {
  const command = new SlashCommandBuilder()
    .setName("generate")
    .setDescription("Generate an image from a text prompt")
    .setContexts(0)
    .addStringOption((option) =>
      option.setName("prompt").setDescription("What to draw").setRequired(true).setMaxLength(6000),
    )
    .addStringOption((option) =>
      option.setName("negative").setDescription("What to keep out of the image").setMaxLength(6000),
    )
    .addIntegerOption((option) =>
      option
        .setName("seed")
        .setDescription("Seed for a repeatable image (random if left out)")
        .setMinValue(0)
        .setMaxValue(maxSafeSeed),
    )
    .addIntegerOption((option) =>
      option.setName("steps").setDescription("Sampling steps").setMinValue(1).setMaxValue(500),
    )
    .addNumberOption((option) =>
      option.setName("cfg").setDescription("Prompt strength (CFG scale)").setMinValue(0).setMaxValue(100),
    );
  if (input.aspects.length > 0) {
    command.addStringOption((option) =>
      option
        .setName("aspect")
        .setDescription("Aspect ratio at the workflow's native resolution")
        .addChoices(...input.aspects.slice(0, 25).map((aspect) => ({ name: aspect, value: aspect }))),
    );
  }
  command
    .addIntegerOption((option) =>
      option
        .setName("width")
        .setDescription("Width in pixels (overrides aspect)")
        .setMinValue(64)
        .setMaxValue(8192),
    )
    .addIntegerOption((option) =>
      option
        .setName("height")
        .setDescription("Height in pixels (overrides aspect)")
        .setMinValue(64)
        .setMaxValue(8192),
    )
    .addStringOption((option) =>
      option.setName("model").setDescription("Checkpoint to use").setAutocomplete(true).setMaxLength(200),
    );
  if (input.workflows.length > 1) {
    command.addStringOption((option) =>
      option
        .setName("workflow")
        .setDescription("Workflow to run")
        .addChoices(
          ...input.workflows.slice(0, 25).map((workflow) => ({
            name: (workflow.description ? `${workflow.name}: ${workflow.description}` : workflow.name).slice(
              0,
              100,
            ),
            value: workflow.name,
          })),
        ),
    );
  }
  if (input.maxCount !== undefined && input.maxCount > 1) {
    command.addIntegerOption((option) =>
      option
        .setName("count")
        .setDescription("Images in this job")
        .setMinValue(1)
        .setMaxValue(Math.min(10, input.maxCount ?? 1)),
    );
  }
  return command.toJSON();
}
