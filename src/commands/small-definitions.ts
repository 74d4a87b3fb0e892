import { PermissionFlagsBits, SlashCommandBuilder, type SlashCommandStringOption } from "discord.js";

/** `/queue`: your jobs with positions and ETAs, the total and the hosts' state. */
export function queueDefinition() {
  return new SlashCommandBuilder()
    .setName("queue")
    .setDescription("Show your jobs, the queue and the image servers")
    .setContexts(0)
    .toJSON();
}

/** `/cancel`: your latest unfinished job, or one picked from autocomplete. */
export function cancelDefinition() {
  return new SlashCommandBuilder()
    .setName("cancel")
    .setDescription("Cancel one of your jobs (your latest if you pick none)")
    .setContexts(0)
    .addStringOption((option) => option.setName("job").setDescription("Which job").setAutocomplete(true))
    .toJSON();
}

/** `/history`: your recent generations, paged; moderators may look up a member. */
export function historyDefinition() {
  return new SlashCommandBuilder()
    .setName("history")
    .setDescription("Your recent generations (only you see this)")
    .setContexts(0)
    .addUserOption((option) =>
      option.setName("member").setDescription("Moderators: look up a member's history"),
    )
    .toJSON();
}

/** `/forget-me`: delete everything the bot keeps about you, after a confirmation. */
export function forgetMeDefinition() {
  return new SlashCommandBuilder()
    .setName("forget-me")
    .setDescription("Delete every record the bot keeps about you")
    .setContexts(0)
    .toJSON();
}

/**
 * `/settings`. Visible by default to members with Manage Channels; server-scope changes also
 * need Manage Server, and both are checked again at run time because admins can change who
 * sees a command.
 */
export function settingsDefinition() {
  const scope = (option: SlashCommandStringOption) =>
    option
      .setName("scope")
      .setDescription("This channel (default) or the whole server")
      .addChoices({ name: "channel", value: "channel" }, { name: "server", value: "server" });
  return new SlashCommandBuilder()
    .setName("settings")
    .setDescription("Image generation rules for this channel or server")
    .setContexts(0)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageChannels)
    .addSubcommand((sub) =>
      sub.setName("show").setDescription("Show the rules in effect here and where each comes from"),
    )
    .addSubcommand((sub) =>
      sub
        .setName("set")
        .setDescription("Change one rule")
        .addStringOption((option) =>
          option.setName("key").setDescription("Which rule").setRequired(true).setAutocomplete(true),
        )
        .addStringOption((option) =>
          option
            .setName("value")
            .setDescription("New value")
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(1000),
        )
        .addStringOption(scope),
    )
    .addSubcommand((sub) =>
      sub
        .setName("reset")
        .setDescription("Go back to the inherited value")
        .addStringOption((option) =>
          option.setName("key").setDescription("Which rule").setRequired(true).setAutocomplete(true),
        )
        .addStringOption(scope),
    )
    .addSubcommand((sub) =>
      sub
        .setName("ban-term")
        .setDescription("Refuse prompts with this word, phrase or /regex/")
        .addStringOption((option) =>
          option
            .setName("term")
            .setDescription("Word, phrase or /regex/")
            .setRequired(true)
            .setMaxLength(200),
        )
        .addStringOption(scope),
    )
    .addSubcommand((sub) =>
      sub
        .setName("unban-term")
        .setDescription("Allow a banned term again")
        .addStringOption((option) =>
          option.setName("term").setDescription("The banned term").setRequired(true).setAutocomplete(true),
        )
        .addStringOption(scope),
    )
    .toJSON();
}
