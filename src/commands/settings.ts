import {
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type SlashCommandStringOption,
} from "discord.js";
import type { BotServices } from "../discord/bot-services.js";
import type { CommandRecord } from "../discord/command-record.js";
import { canModerate, locationOf } from "../discord/interaction-context.js";
import { channelOrNone } from "../discord/channel-or-none.js";
import { isModLogChannel, postModLog } from "../discord/mod-log.js";
import { parseSettingValue, settingHelp } from "../moderation/parse-setting-value.js";
import {
  banTerm,
  formatSettingValue,
  resetSetting,
  setSetting,
  unbanTerm,
  type EditResult,
} from "../moderation/settings-editor.js";
import { channelScope, type SettingsScope } from "../moderation/settings-repository.js";
import { isSettingKey, settingKeys, type SettingKey } from "../moderation/settings-schema.js";
import { describeSettingChangeForModLog } from "../presentation/describe-setting-change.js";
import { truncate } from "../presentation/truncate.js";
import { unknownThreadParentNotice } from "../presentation/user-messages.js";

const sourceLabel = { default: "bot default", server: "server", channel: "this channel" } as const;

/** The `scope` option: the channel unless the server is asked for. */
function scopeOf(interaction: ChatInputCommandInteraction | AutocompleteInteraction): "channel" | "server" {
  return interaction.options.getString("scope") === "server" ? "server" : "channel";
}

/** `/settings show|set|reset|ban-term|unban-term`: a thin layer over the moderation module. */
async function runSettings(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void> {
  const place = await locationOf(interaction);
  if (place.kind !== "located") {
    await interaction.reply({
      content:
        place.kind === "unknown_parent" ? unknownThreadParentNotice : "Settings exist only in servers.",
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  const { location } = place;
  const scopeName = scopeOf(interaction);
  if (!canModerate(interaction, scopeName)) {
    const needed = scopeName === "server" ? "Manage Server" : "Manage Channels";
    await interaction.reply({
      content: `You need the **${needed}** permission to ${scopeName === "server" ? "change server-wide" : "view or change"} image settings.`,
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  const scope: SettingsScope =
    scopeName === "server" ? { kind: "server", guildId: location.guildId } : channelScope(location);
  const subcommand = interaction.options.getSubcommand();

  if (subcommand === "show") {
    const effective = await services.settings.resolve(location);
    const lines = settingKeys.map((key) => {
      const value = formatSettingValue(key, effective.values[key]);
      const capped = effective.capped?.includes(key) ? " · _capped by the bot's operator_" : "";
      return `**${key}**: ${truncate(value, 120)} · _${sourceLabel[effective.sources[key]]}_${capped}`;
    });
    await interaction.reply({ content: truncate(lines.join("\n"), 2000), flags: MessageFlags.Ephemeral });
    return;
  }

  let result: EditResult;
  if (subcommand === "set" || subcommand === "reset") {
    const key = interaction.options.getString("key", true);
    if (!isSettingKey(key)) {
      await interaction.reply({
        content: `There is no setting called "${truncate(key, 40)}". Pick one from the list.`,
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const value = subcommand === "set" ? interaction.options.getString("value", true) : "";
    const refusal =
      subcommand === "set" && key === "modLogChannel"
        ? await modLogChannelRefusal(interaction, location.guildId, value)
        : undefined;
    if (refusal !== undefined) {
      await interaction.reply({ content: refusal, flags: MessageFlags.Ephemeral });
      return;
    }
    result =
      subcommand === "set"
        ? await setSetting(services.settings, scope, key, value)
        : await resetSetting(services.settings, scope, key);
  } else {
    const term = interaction.options.getString("term", true);
    result =
      subcommand === "ban-term"
        ? await banTerm(services.settings, scope, term)
        : await unbanTerm(services.settings, scope, term);
  }
  if (!result.ok) {
    await interaction.reply({ content: result.message, flags: MessageFlags.Ephemeral });
    return;
  }
  const summary = result.change.summary;
  services.logger.info(
    {
      userId: interaction.user.id,
      guildId: location.guildId,
      action: result.change.action,
      key: result.change.key,
      scope,
    },
    `settings changed: ${summary}`,
  );
  await interaction.reply({ content: `Updated: ${summary}`, flags: MessageFlags.Ephemeral });
  const effective = await services.settings.resolve(location);
  await postModLog(
    interaction.client,
    services,
    { guildId: location.guildId, channelId: effective.values.modLogChannel },
    describeSettingChangeForModLog(result.change, interaction.user.id),
  );
}

/**
 * The mod log must be a text channel of this server: records about one server must not land in
 * another one the bot is also in. Undefined when the typed channel qualifies (or does not parse:
 * the editor then says what format it expects).
 */
async function modLogChannelRefusal(
  interaction: ChatInputCommandInteraction,
  guildId: string,
  typed: string,
): Promise<string | undefined> {
  const parsed = parseSettingValue("modLogChannel", typed);
  if (!parsed.ok) return undefined;
  const channel = await channelOrNone(interaction.client, parsed.value);
  if (isModLogChannel(channel, guildId)) return undefined;
  return `modLogChannel: <#${parsed.value}> is not a text channel of this server that the bot can see; pick one of this server's text channels.`;
}

/** Key names with their format, value suggestions per key, and current terms for unban-term. */
async function autocompleteSettings(
  interaction: AutocompleteInteraction,
  services: BotServices,
): Promise<void> {
  // Suggestions show the rules themselves (banned terms, regexes included): only for those who
  // may edit them at the scope asked for, checked here because admins can change who sees /settings.
  if (!canModerate(interaction, scopeOf(interaction))) {
    await interaction.respond([]);
    return;
  }
  const focused = interaction.options.getFocused(true);
  const typed = focused.value.toLowerCase();
  let choices: { name: string; value: string }[] = [];
  if (focused.name === "key") {
    choices = settingKeys
      .filter((key) => key.toLowerCase().includes(typed))
      .map((key) => ({ name: truncate(`${key} — ${settingHelp[key].format}`, 100), value: key }));
  } else if (focused.name === "value") {
    const key = interaction.options.getString("key") ?? "";
    if (isSettingKey(key)) choices = valueSuggestions(key, focused.value);
  } else if (focused.name === "term") {
    const place = await locationOf(interaction);
    if (place.kind === "located") {
      const effective = await services.settings.resolve(place.location);
      choices = effective.values.bannedTerms
        .filter((term) => term.toLowerCase().includes(typed))
        .map((term) => ({ name: truncate(term, 100), value: term.slice(0, 100) }));
    }
  }
  await interaction.respond(choices.slice(0, 25));
}

function valueSuggestions(key: SettingKey, typed: string): { name: string; value: string }[] {
  const help = settingHelp[key];
  const fixed: Partial<Record<typeof help.kind, string[]>> = { boolean: ["yes", "no"] };
  const options =
    key === "nsfw"
      ? ["off", "follow-channel", "on"]
      : key === "rerollBy"
        ? ["owner", "anyone"]
        : fixed[help.kind];
  if (options) return options.map((option) => ({ name: option, value: option }));
  // Free-form: echo what is typed (so Enter keeps it) plus the format as a hint.
  const suggestions = typed ? [{ name: truncate(typed, 100), value: typed.slice(0, 100) }] : [];
  suggestions.push({
    name: truncate(`${help.format} (e.g. ${help.example})`, 100),
    value: help.example.slice(0, 100),
  });
  return suggestions;
}

/**
 * `/settings`. Visible by default to members with Manage Channels; server-scope changes also
 * need Manage Server, and both are checked again at run time because admins can change who
 * sees a command.
 */
function settingsDefinition() {
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

export const settingsCommand: CommandRecord = {
  name: "settings",
  definition: settingsDefinition,
  run: runSettings,
  autocomplete: autocompleteSettings,
};
