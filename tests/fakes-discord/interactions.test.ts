import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
} from "discord.js";
import type { Client, DiscordAPIError } from "discord.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeDiscord } from "../fakes/discord/index.js";
import { startFakeDiscord } from "../fakes/discord/index.js";
import { onInteraction, startClient, tinyPng } from "./discord-client-harness.js";

describe("fake Discord: interactions driven through the real discord.js client", () => {
  let discord: FakeDiscord;
  let client: Client | undefined;

  beforeEach(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 500, tokenTtlMs: 1500 });
  });

  afterEach(async () => {
    await client?.destroy();
    client = undefined;
    await discord.close();
  });

  it("defers, then edits the reply with a PNG whose bytes reach the store and the CDN", async () => {
    client = await startClient(discord);
    const png = tinyPng(4, 3);
    const seen: { prompt: string | null; steps: number | null; nsfw: boolean | undefined }[] = [];
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const channel = interaction.channel;
      seen.push({
        prompt: interaction.options.getString("prompt"),
        steps: interaction.options.getInteger("steps"),
        nsfw: channel && "nsfw" in channel ? channel.nsfw : undefined,
      });
      await interaction.deferReply();
      await interaction.editReply({
        content: "done",
        embeds: [new EmbedBuilder().setTitle("cat").setImage("attachment://cat.png")],
        files: [new AttachmentBuilder(png, { name: "cat.png" })],
      });
    });
    await client.application!.commands.set([
      new SlashCommandBuilder()
        .setName("generate")
        .setDescription("Make an image")
        .addStringOption((o) => o.setName("prompt").setDescription("p").setRequired(true))
        .addIntegerOption((o) => o.setName("steps").setDescription("s"))
        .toJSON(),
    ]);

    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a cat", steps: 20 },
      channelId: discord.channels.art.id,
    });
    expect((await handle.ack()).type).toBe(5);
    const reply = await handle.waitForReply((m) => m.attachments.length === 1);
    await runs.finished();

    expect(seen).toEqual([{ prompt: "a cat", steps: 20, nsfw: true }]);
    expect(runs.failures).toEqual([]);
    expect(reply.content).toBe("done");
    expect(reply.history[0]?.flags).toBe(MessageFlags.Loading);
    const attachment = reply.attachments[0]!;
    expect(attachment.bytes.equals(png)).toBe(true);
    expect([attachment.width, attachment.height]).toEqual([4, 3]);
    expect(reply.embeds[0]?.["image"]).toMatchObject({ url: attachment.url });
    const served = Buffer.from(await (await fetch(attachment.url)).arrayBuffer());
    expect(served.equals(png)).toBe(true);
    const patch = await discord.waitForRequest((r) => r.method === "PATCH" && r.route.endsWith("@original"));
    expect(patch.authScheme).toBeNull();
    expect(patch.files).toMatchObject([{ field: "files[0]", name: "cat.png", size: png.length }]);
  });

  it("sends an ephemeral follow-up that the bot-token channel route cannot see", async () => {
    client = await startClient(discord);
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.reply({ content: "queued" });
      const secret = await interaction.followUp({ content: "only you", flags: MessageFlags.Ephemeral });
      const error: unknown = await interaction.channel!.messages.fetch(secret.id).catch((e: unknown) => e);
      expect((error as DiscordAPIError).code).toBe(10008);
    });
    const handle = discord.invokeSlash({ name: "generate", options: { prompt: "x" } });
    const followup = await handle.waitForFollowup((m) => m.content === "only you");
    expect(followup.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect((await handle.reply()).content).toBe("queued");
    await runs.finished();
    expect(runs.failures).toEqual([]);
  });

  it("refuses a second acknowledgement with 40060", async () => {
    client = await startClient(discord);
    const codes: unknown[] = [];
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      // Bypasses discord.js's own "already replied" guard to reach the API.
      await client!.rest
        .post(`/interactions/${interaction.id}/${interaction.token}/callback`, {
          body: { type: 5 },
          auth: false,
        })
        .catch((e: unknown) => codes.push((e as DiscordAPIError).code));
    });
    const handle = discord.invokeSlash({ name: "generate", options: { prompt: "x" } });
    expect((await handle.ack()).type).toBe(5);
    await runs.finished();
    expect(runs.failures).toEqual([]);
    expect(codes).toEqual([40060]);
  });

  it("answers a callback after the 3 s deadline with 404/10062", async () => {
    client = await startClient(discord);
    const codes: unknown[] = [];
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply().catch((e: unknown) => codes.push((e as DiscordAPIError).code));
    });
    const handle = discord.invokeSlash({ name: "generate", options: { prompt: "x" } });
    await discord.clock.advance(3100);
    await runs.finished();
    expect(runs.failures).toEqual([]);
    expect(codes).toEqual([10062]);
    expect(handle.record.ack).toBeNull();
  });

  it("rejects editReply with 50027 once the token expired while message.edit keeps working", async () => {
    client = await startClient(discord);
    const outcome: { code?: unknown; edited?: string } = {};
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      const message = await interaction.editReply({ content: "working" });
      await discord.clock.advance(2000);
      const error: unknown = await interaction.editReply({ content: "late" }).catch((e: unknown) => e);
      outcome.code = (error as DiscordAPIError).code;
      const edited = await interaction.channel!.messages.edit(message.id, {
        content: "finished via bot token",
      });
      outcome.edited = edited.content;
    });
    const handle = discord.invokeSlash({ name: "generate", options: { prompt: "x" } });
    await runs.finished();
    const reply = await handle.waitForReply((m) => m.content === "finished via bot token");
    expect(runs.failures).toEqual([]);
    expect(outcome).toEqual({ code: 50027, edited: "finished via bot token" });
    expect(reply.history.map((h) => h.content)).toEqual(["", "working"]);
  });

  it("answers autocomplete with type 8 choices", async () => {
    client = await startClient(discord);
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      const typed = interaction.options.getFocused();
      await interaction.respond(
        ["sdxl", "sd15", "flux"].filter((m) => m.startsWith(typed)).map((m) => ({ name: m, value: m })),
      );
    });
    const choices = await discord.autocomplete({
      name: "generate",
      focused: "model",
      options: { model: "sd" },
    });
    await runs.finished();
    expect(runs.failures).toEqual([]);
    expect(choices).toEqual([
      { name: "sdxl", value: "sdxl" },
      { name: "sd15", value: "sd15" },
    ]);
  });

  it("delivers a button click with the message and applies an update (type 7)", async () => {
    client = await startClient(discord);
    const runs = onInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) {
        const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId("reroll:42").setLabel("Reroll").setStyle(ButtonStyle.Secondary),
        );
        await interaction.reply({ content: "image", components: [row] });
      } else if (interaction.isButton()) {
        await interaction.update({
          content: `rerolled ${interaction.customId} from ${interaction.message.id}`,
        });
      }
    });
    const original = await discord.invokeSlash({ name: "generate", options: { prompt: "x" } }).reply();
    expect(original.components).toHaveLength(1);
    const click = discord.clickButton({ message: original, customId: "reroll:42", user: discord.users.bob });
    expect((await click.ack()).type).toBe(7);
    await runs.finished(2);
    expect(runs.failures).toEqual([]);
    expect(discord.messages.get(original.id)?.content).toBe(`rerolled reroll:42 from ${original.id}`);
  });

  it("enforces message limits: content length, attachment count and file size", async () => {
    await discord.close();
    discord = await startFakeDiscord({ heartbeatIntervalMs: 500, attachmentSizeLimit: 1024 });
    client = await startClient(discord);
    const codes: unknown[] = [];
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      const attempts = [
        { content: "x".repeat(2001) },
        {
          files: Array.from({ length: 11 }, (_, i) => new AttachmentBuilder(tinyPng(), { name: `${i}.png` })),
        },
        { files: [new AttachmentBuilder(Buffer.alloc(2048), { name: "big.bin" })] },
        { content: "fits", files: [new AttachmentBuilder(Buffer.alloc(1000), { name: "ok.bin" })] },
      ];
      for (const attempt of attempts) {
        codes.push(
          await interaction.editReply(attempt).then(
            () => "ok",
            (e: unknown) => (e as DiscordAPIError).code,
          ),
        );
      }
    });
    const handle = discord.invokeSlash({ name: "generate", options: { prompt: "x" } });
    await runs.finished();
    const reply = await handle.waitForReply((m) => m.content === "fits");
    expect(runs.failures).toEqual([]);
    expect(codes).toEqual([50035, 30015, 40005, "ok"]);
    expect(reply.attachments.map((a) => a.size)).toEqual([1000]);
    expect(discord.requests.find((r) => r.error?.code === 40005)?.status).toBe(413);
  });

  it("carries thread channels and member permissions the way discord.js reads them", async () => {
    client = await startClient(discord);
    const seen: { thread: boolean; parentNsfw: boolean | undefined; canManage: boolean | undefined }[] = [];
    const runs = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const channel = interaction.channel;
      seen.push({
        thread: channel?.isThread() ?? false,
        parentNsfw: channel?.isThread() ? channel.parent?.nsfw : undefined,
        canManage: interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels),
      });
      await interaction.reply({ content: "ok", flags: MessageFlags.Ephemeral });
    });
    const thread = discord.channels.thread.id;
    await discord.invokeSlash({ name: "settings", channelId: thread, user: discord.users.mod }).reply();
    await discord.invokeSlash({ name: "settings", channelId: thread, user: discord.users.alice }).reply();
    await runs.finished(2);
    expect(runs.failures).toEqual([]);
    expect(seen).toEqual([
      { thread: true, parentNsfw: false, canManage: true },
      { thread: true, parentNsfw: false, canManage: false },
    ]);
  });
});
