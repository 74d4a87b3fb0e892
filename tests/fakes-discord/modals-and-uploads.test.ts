import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  Routes,
  SlashCommandBuilder,
  TextInputBuilder,
  TextInputStyle,
} from "discord.js";
import type { Client } from "discord.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeDiscord } from "../fakes/discord/index.js";
import { startFakeDiscord } from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";
import { onInteraction, startClient, tinyPng } from "./discord-client-harness.js";

function remixModal(prefill: string): ModalBuilder {
  return new ModalBuilder()
    .setCustomId("remix:1")
    .setTitle("Remix")
    .addLabelComponents(
      new LabelBuilder()
        .setLabel("Prompt")
        .setTextInputComponent(
          new TextInputBuilder().setCustomId("prompt").setStyle(TextInputStyle.Paragraph).setValue(prefill),
        ),
      new LabelBuilder()
        .setLabel("Seed")
        .setTextInputComponent(
          new TextInputBuilder().setCustomId("seed").setStyle(TextInputStyle.Short).setRequired(false),
        ),
    );
}

describe("fake Discord: modals and attached files, through the real discord.js client", () => {
  let discord: FakeDiscord;
  let client: Client | undefined;

  beforeEach(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 500 });
  });

  afterEach(async () => {
    await client?.destroy();
    client = undefined;
    await discord.close();
  });

  it("opens a modal from a button and delivers the submit with the typed and prefilled values", async () => {
    client = await startClient(discord);
    const submits: { customId: string; prompt: string; seed: string; messageId: string | undefined }[] = [];
    const runs = onInteraction(client, async (interaction) => {
      if (interaction.isButton()) await interaction.showModal(remixModal("a red fox"));
      if (interaction.isModalSubmit()) {
        submits.push({
          customId: interaction.customId,
          prompt: interaction.fields.getTextInputValue("prompt"),
          seed: interaction.fields.getTextInputValue("seed"),
          messageId: interaction.message?.id,
        });
        await interaction.reply({ content: "queued", flags: MessageFlags.Ephemeral });
      }
    });
    const message = discord.seedMessage({
      channelId: discord.channels.general.id,
      author: discord.botUser,
      content: "a result",
      components: [
        new ActionRowBuilder<ButtonBuilder>()
          .addComponents(
            new ButtonBuilder().setCustomId("remix").setLabel("Remix").setStyle(ButtonStyle.Primary),
          )
          .toJSON() as unknown as Record<string, unknown>,
      ],
    });
    const click = discord.clickButton({ message, customId: "remix" });
    const opened = await click.ack();
    expect(opened.type).toBe(9);
    expect(opened.data?.["custom_id"]).toBe("remix:1");

    const submit = discord.submitModal({ interaction: click, values: { seed: "42" } });
    expect((await submit.ack()).type).toBe(4);
    await runs.finished();
    expect(runs.failures).toEqual([]);
    expect(submits).toEqual([
      { customId: "remix:1", prompt: "a red fox", seed: "42", messageId: message.id },
    ]);
    expect(submit.payload["type"]).toBe(5);
    expect((await submit.reply()).flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  });

  it("refuses a modal as the answer to a modal submit, and a modal without a title", async () => {
    client = await startClient(discord);
    const errors: string[] = [];
    // Raw callbacks: discord.js would refuse both before sending, and the fake must refuse them too.
    const modal = (title: string) => ({ type: 9, data: { ...remixModal("x").toJSON(), title } });
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isButton() && !interaction.isModalSubmit()) return;
      const route = Routes.interactionCallback(interaction.id, interaction.token);
      if (interaction.isButton()) {
        await interaction.client.rest
          .post(route, { body: modal(""), auth: false })
          .catch((e: unknown) => errors.push((e as Error).message));
        await interaction.client.rest.post(route, { body: modal("Remix"), auth: false });
      } else {
        await interaction.client.rest
          .post(route, { body: modal("Again"), auth: false })
          .catch((e: unknown) => errors.push((e as Error).message));
      }
    });
    const message = discord.seedMessage({ channelId: discord.channels.general.id, content: "m" });
    const click = discord.clickButton({ message, customId: "remix" });
    expect((await click.ack()).type).toBe(9);
    const submit = discord.submitModal({ interaction: click });
    await eventually(() => errors.length === 2, "the second refusal");
    await runs.finished();
    expect(submit.record.ack).toBeNull();
    expect(errors.every((error) => /Invalid Form Body/.test(error))).toBe(true);
  });

  it("sends an attachment option with its resolved file, served unchanged from a CDN URL on 127.0.0.1", async () => {
    client = await startClient(discord);
    const png = tinyPng(5, 7);
    const seen: { name: string; size: number; url: string; contentType: string | null }[] = [];
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const file = interaction.options.getAttachment("image", true);
      seen.push({ name: file.name, size: file.size, url: file.url, contentType: file.contentType });
      await interaction.reply({ content: "ok", flags: MessageFlags.Ephemeral });
    });
    await client.application!.commands.set([
      new SlashCommandBuilder()
        .setName("generate")
        .setDescription("Make an image")
        .addAttachmentOption((o) => o.setName("image").setDescription("start image").setRequired(true))
        .toJSON(),
    ]);
    const handle = discord.invokeSlash({
      name: "generate",
      options: { image: { filename: "cat.png", bytes: png } },
    });
    await handle.ack();
    await runs.finished();
    expect(runs.failures).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ name: "cat.png", size: png.length, contentType: "image/png" });
    expect(new URL(seen[0]!.url).hostname).toBe("127.0.0.1");
    const served = Buffer.from(await (await fetch(seen[0]!.url)).arrayBuffer());
    expect(served.equals(png)).toBe(true);
  });

  it("refuses a row of six buttons and a custom id used twice", async () => {
    client = await startClient(discord);
    const channel = await client.channels.fetch(discord.channels.general.id);
    if (!channel?.isSendable()) throw new Error("no channel");
    const button = (id: string) =>
      new ButtonBuilder().setCustomId(id).setLabel(id).setStyle(ButtonStyle.Secondary);
    const six = new ActionRowBuilder<ButtonBuilder>().addComponents(
      ["a", "b", "c", "d", "e", "f"].map(button),
    );
    await expect(channel.send({ content: "x", components: [six] })).rejects.toThrow(/Invalid Form Body/);
    const twice = new ActionRowBuilder<ButtonBuilder>().addComponents(button("a"), button("a"));
    await expect(channel.send({ content: "x", components: [twice] })).rejects.toThrow(/Invalid Form Body/);
  });
});
