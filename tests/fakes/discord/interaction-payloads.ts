import type { FakeDiscordContext } from "./fake-discord-context.js";
import { findChannel } from "./fake-discord-context.js";
import type { FakeUser } from "./guild-fixture.js";
import { channelPermissions } from "./guild-fixture.js";
import type { Json } from "./guild-payloads.js";
import { channelPayload, interactionMemberPayload } from "./guild-payloads.js";

export type OptionValue = string | number | boolean;

/** A file a member attaches to an attachment option (type 11). */
export interface FakeUpload {
  filename: string;
  bytes: Buffer;
  /** What Discord's client reports; by default guessed from the file name, as it does. */
  contentType?: string;
}

export type CommandOptionValue = OptionValue | FakeUpload;

const OptionType = {
  subcommand: 1,
  subcommandGroup: 2,
  string: 3,
  integer: 4,
  boolean: 5,
  number: 10,
  attachment: 11,
} as const;

function inferType(value: OptionValue): number {
  if (typeof value === "string") return OptionType.string;
  if (typeof value === "boolean") return OptionType.boolean;
  return Number.isInteger(value) ? OptionType.integer : OptionType.number;
}

function optionDefs(list: unknown): Json[] {
  return Array.isArray(list) ? (list as Json[]) : [];
}

/**
 * Turns `{ prompt: "x", steps: 20 }` into Discord's option list, typed from the registered definition
 * when there is one (so `steps: 20` on a number option is sent as type 10), else from the JS type.
 */
export function typedOptions(defs: Json[], values: Record<string, OptionValue>, focused?: string): Json[] {
  return Object.entries(values).map(([name, value]) => {
    const def = defs.find((d) => d["name"] === name);
    const type = typeof def?.["type"] === "number" ? def["type"] : inferType(value);
    return { name, type, value, ...(name === focused ? { focused: true } : {}) };
  });
}

function guessContentType(filename: string): string {
  const extension = filename.toLowerCase().split(".").pop() ?? "";
  const types: Record<string, string> = {
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    webp: "image/webp",
    gif: "image/gif",
    txt: "text/plain; charset=utf-8",
  };
  return types[extension] ?? "application/octet-stream";
}

/**
 * Stores the member's attached files where the fake CDN serves them and turns each into the
 * option value Discord sends (the attachment's id) plus its entry in `data.resolved.attachments`.
 */
function resolveUploads(
  ctx: FakeDiscordContext,
  channelId: string,
  values: Record<string, CommandOptionValue>,
): { plain: Record<string, OptionValue>; attachments: Record<string, Json> } {
  const plain: Record<string, OptionValue> = {};
  const attachments: Record<string, Json> = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== "object") {
      plain[name] = value;
      continue;
    }
    const id = ctx.newId();
    const contentType = value.contentType ?? guessContentType(value.filename);
    const url = `${ctx.baseUrl()}/ephemeral-attachments/${channelId}/${id}/${encodeURIComponent(value.filename)}`;
    ctx.uploads.set(id, {
      id,
      filename: value.filename,
      contentType,
      size: value.bytes.length,
      bytes: value.bytes,
      url,
    });
    plain[name] = id;
    attachments[id] = {
      id,
      filename: value.filename,
      size: value.bytes.length,
      url,
      proxy_url: url,
      content_type: contentType,
      ephemeral: true,
    };
  }
  return { plain, attachments };
}

export interface CommandInvocation {
  name: string;
  options?: Record<string, CommandOptionValue>;
  /** Where the command is used: attached files are stored for this channel. */
  channelId?: string;
  subcommand?: string;
  subcommandGroup?: string;
  guildId: string;
  focused?: string;
}

/** `data` of an application command interaction, nesting options under the subcommand (and group). */
export function commandData(ctx: FakeDiscordContext, input: CommandInvocation): Json {
  const command = ctx.commands.find(input.name, input.guildId);
  let defs = optionDefs(command?.["options"]);
  const path: { name: string; type: number }[] = [];
  if (input.subcommandGroup !== undefined) {
    path.push({ name: input.subcommandGroup, type: OptionType.subcommandGroup });
    defs = optionDefs(defs.find((d) => d["name"] === input.subcommandGroup)?.["options"]);
  }
  if (input.subcommand !== undefined) {
    path.push({ name: input.subcommand, type: OptionType.subcommand });
    defs = optionDefs(defs.find((d) => d["name"] === input.subcommand)?.["options"]);
  }
  const uploads = resolveUploads(ctx, input.channelId ?? "0", input.options ?? {});
  let options = typedOptions(defs, uploads.plain, input.focused);
  for (const level of path.reverse()) options = [{ ...level, options }];
  return {
    id: typeof command?.["id"] === "string" ? command["id"] : ctx.newId(),
    name: input.name,
    type: 1,
    ...(command?.["guild_id"] === undefined ? {} : { guild_id: command["guild_id"] }),
    options,
    ...(Object.keys(uploads.attachments).length === 0
      ? {}
      : { resolved: { attachments: uploads.attachments } }),
  };
}

export interface InteractionEnvelope {
  id: string;
  token: string;
  type: number;
  user: FakeUser;
  channelId: string;
  data: Json;
  memberPermissions?: string | bigint | undefined;
  message?: Json;
  locale?: string | undefined;
}

/** The full INTERACTION_CREATE `d`, with every field discord.js 14.28 reads (entitlements is required). */
export function interactionPayload(ctx: FakeDiscordContext, input: InteractionEnvelope): Json {
  const located = findChannel(ctx, input.channelId);
  if (!located) throw new Error(`fake Discord: unknown channel ${input.channelId}`);
  const { guild, channel } = located;
  const member = guild.members.find((m) => m.user.id === input.user.id) ?? {
    user: input.user,
    roleIds: [],
    joinedAt: new Date(ctx.clock.now()).toISOString(),
  };
  // Discord sends the member's and the app's permissions in the interaction's channel.
  const permissions = (input.memberPermissions ?? channelPermissions(guild, member, channel)).toString();
  const botMember = guild.members.find((m) => m.user.id === ctx.botUser.id);
  const appPermissions = botMember ? channelPermissions(guild, botMember, channel).toString() : "0";
  return {
    id: input.id,
    application_id: ctx.applicationId,
    type: input.type,
    token: input.token,
    version: 1,
    data: input.data,
    guild_id: guild.id,
    guild: { id: guild.id, locale: "en-US", features: [] },
    channel_id: channel.id,
    channel: { ...channelPayload(guild, channel), permissions },
    member: interactionMemberPayload(guild, member, permissions),
    app_permissions: appPermissions,
    locale: input.locale ?? "en-US",
    guild_locale: "en-US",
    entitlements: [],
    authorizing_integration_owners: { "0": guild.id },
    context: 0,
    attachment_size_limit: ctx.settings.attachmentSizeLimit,
    ...(input.message === undefined ? {} : { message: input.message }),
  };
}
