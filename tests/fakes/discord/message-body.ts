import { DiscordApiError, invalidFormBody } from "./discord-api-error.js";
import type { Json } from "./guild-payloads.js";
import type { MessageContent, StoredAttachment, StoredMessage } from "./message-store.js";
import { MessageFlags } from "./message-store.js";
import type { ParsedBody, UploadedFile } from "./request-body.js";

export interface MessageBodyContext {
  newId: () => string;
  /** `http://127.0.0.1:PORT`: the fake CDN serves `/attachments/:channel/:attachment/:filename`. */
  cdnBase: string;
  channelId: string;
  attachmentSizeLimit: number;
}

const MAX_CONTENT = 2000;
const MAX_EMBEDS = 10;
const MAX_ATTACHMENTS = 10;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function jsonObject(body: ParsedBody): Json {
  return isRecord(body.json) ? body.json : {};
}

function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  const signature = "89504e470d0a1a0a";
  if (bytes.length < 24 || bytes.subarray(0, 8).toString("hex") !== signature) return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function storeUpload(file: UploadedFile, entry: Json | undefined, ctx: MessageBodyContext): StoredAttachment {
  const id = ctx.newId();
  const filename = typeof entry?.["filename"] === "string" ? entry["filename"] : file.name;
  const description = typeof entry?.["description"] === "string" ? entry["description"] : undefined;
  const size = pngSize(file.bytes);
  return {
    id,
    filename,
    ...(description === undefined ? {} : { description }),
    contentType: file.contentType,
    size: file.size,
    bytes: file.bytes,
    ...(size ?? {}),
    url: `${ctx.cdnBase}/attachments/${ctx.channelId}/${id}/${encodeURIComponent(filename)}`,
  };
}

function checkFiles(files: UploadedFile[], ctx: MessageBodyContext): void {
  if (files.length > MAX_ATTACHMENTS) throw new DiscordApiError("tooManyAttachments");
  if (files.some((file) => file.size > ctx.attachmentSizeLimit))
    throw new DiscordApiError("requestEntityTooLarge");
}

/**
 * Resolves `attachments` placeholders: an id naming an uploaded `files[n]` adds that file, an id of an
 * existing attachment keeps it, and (on edits) existing attachments not listed are dropped.
 */
function resolveAttachments(
  json: Json,
  files: UploadedFile[],
  existing: StoredAttachment[],
  ctx: MessageBodyContext,
): StoredAttachment[] {
  const listed = json["attachments"];
  const used = new Set<UploadedFile>();
  const result: StoredAttachment[] = [];
  if (Array.isArray(listed)) {
    for (const entry of listed as unknown[]) {
      if (!isRecord(entry)) continue;
      const id = String(entry["id"]);
      const kept = existing.find((a) => a.id === id);
      const file = files.find((f) => f.index !== null && String(f.index) === id && !used.has(f));
      if (kept) {
        result.push(kept);
      } else if (file) {
        used.add(file);
        result.push(storeUpload(file, entry, ctx));
      }
    }
  } else {
    result.push(...existing);
  }
  for (const file of files) if (!used.has(file)) result.push(storeUpload(file, undefined, ctx));
  if (result.length > MAX_ATTACHMENTS) throw new DiscordApiError("tooManyAttachments");
  return result;
}

/** Rewrites `attachment://name` inside embeds to the stored attachment's URL, with PNG sizes filled in. */
function resolveEmbed(embed: Json, attachments: StoredAttachment[]): Json {
  const out: Json = { type: "rich", ...embed };
  for (const key of ["image", "thumbnail"]) {
    const media = out[key];
    if (!isRecord(media) || typeof media["url"] !== "string") continue;
    const url = media["url"];
    const name = url.startsWith("attachment://") ? url.slice("attachment://".length) : undefined;
    const attachment = attachments.find((a) => a.filename === name);
    if (attachment) {
      out[key] = {
        ...media,
        url: attachment.url,
        proxy_url: attachment.url,
        ...(attachment.width === undefined ? {} : { width: attachment.width, height: attachment.height }),
        content_type: attachment.contentType,
      };
    }
  }
  return out;
}

/**
 * Discord's rules for buttons on a message: at most 5 action rows of at most 5 buttons, each
 * custom id 1-100 characters and unique within the message, a label of at most 80.
 */
function checkComponents(rows: Json[]): void {
  if (rows.length > 5) {
    throw invalidFormBody(["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.");
  }
  const ids = new Set<string>();
  for (const [r, row] of rows.entries()) {
    const children = Array.isArray(row["components"])
      ? (row["components"] as unknown[]).filter(isRecord)
      : [];
    if (row["type"] !== 1 || children.length < 1 || children.length > 5) {
      throw invalidFormBody(
        ["components", String(r), "components"],
        "BASE_TYPE_BAD_LENGTH",
        "Must be between 1 and 5 in length.",
      );
    }
    for (const [c, child] of children.entries()) {
      const at = ["components", String(r), "components", String(c)];
      const id = child["custom_id"];
      if (typeof id !== "string" || id.length < 1 || id.length > 100) {
        throw invalidFormBody(
          [...at, "custom_id"],
          "BASE_TYPE_BAD_LENGTH",
          "Must be between 1 and 100 in length.",
        );
      }
      if (ids.has(id)) {
        throw invalidFormBody(
          [...at, "custom_id"],
          "COMPONENT_CUSTOM_ID_DUPLICATED",
          "Component custom id cannot be duplicated",
        );
      }
      ids.add(id);
      const label = child["label"];
      if (label !== undefined && (typeof label !== "string" || label.length > 80)) {
        throw invalidFormBody([...at, "label"], "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length.");
      }
    }
  }
}

/**
 * Builds a message's next content from a create or edit body, enforcing Discord's limits
 * (2000 characters, 10 embeds, 10 attachments, per-file size limit).
 */
export function buildMessageContent(
  body: ParsedBody,
  ctx: MessageBodyContext,
  existing: StoredMessage | undefined,
): MessageContent {
  const json = jsonObject(body);
  checkFiles(body.files, ctx);
  const content =
    "content" in json
      ? typeof json["content"] === "string"
        ? json["content"]
        : ""
      : (existing?.content ?? "");
  if (content.length > MAX_CONTENT) {
    throw invalidFormBody(["content"], "BASE_TYPE_MAX_LENGTH", `Must be ${MAX_CONTENT} or fewer in length.`);
  }
  const rawEmbeds = "embeds" in json ? json["embeds"] : undefined;
  const embedList = Array.isArray(rawEmbeds) ? (rawEmbeds as unknown[]).filter(isRecord) : undefined;
  if (embedList && embedList.length > MAX_EMBEDS) {
    throw invalidFormBody(["embeds"], "BASE_TYPE_MAX_LENGTH", `Must be ${MAX_EMBEDS} or fewer in length.`);
  }
  const attachments = resolveAttachments(json, body.files, existing?.attachments ?? [], ctx);
  const embeds = (embedList ?? existing?.embeds ?? []).map((embed) => resolveEmbed(embed, attachments));
  const rawComponents = "components" in json ? json["components"] : undefined;
  const components = Array.isArray(rawComponents)
    ? (rawComponents as unknown[]).filter(isRecord)
    : (existing?.components ?? []);
  if (Array.isArray(rawComponents)) checkComponents(components);
  const requested = typeof json["flags"] === "number" ? json["flags"] : 0;
  // Ephemeral state is fixed at creation; an edit drops the loading ("thinking") state.
  const kept = (existing?.flags ?? 0) & MessageFlags.ephemeral;
  const flags = existing
    ? kept | (requested & MessageFlags.suppressEmbeds)
    : requested & ~MessageFlags.loading;
  if (
    !existing &&
    content === "" &&
    embeds.length === 0 &&
    attachments.length === 0 &&
    components.length === 0
  ) {
    throw new DiscordApiError("emptyMessage");
  }
  return { content, embeds, components, attachments, flags };
}
