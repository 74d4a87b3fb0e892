import type { IncomingMessage } from "node:http";

export interface UploadedFile {
  /** The form field, e.g. `files[0]`. */
  field: string;
  /** The `n` of `files[n]`, which attachment placeholders refer to; null for other field names. */
  index: number | null;
  name: string;
  size: number;
  contentType: string;
  bytes: Buffer;
}

export interface ParsedBody {
  json: unknown;
  /** Non-file multipart fields (payload_json among them); empty for JSON bodies. */
  fields: Record<string, string>;
  files: UploadedFile[];
  multipart: boolean;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads a JSON or multipart body; multipart goes through the built-in `Request.formData()`. */
export async function parseRequestBody(req: IncomingMessage): Promise<ParsedBody> {
  const raw = await readAll(req);
  const contentType = req.headers["content-type"] ?? "";
  if (contentType.startsWith("multipart/form-data")) return parseMultipart(raw, contentType);
  if (raw.length === 0) return { json: undefined, fields: {}, files: [], multipart: false };
  return { json: JSON.parse(raw.toString("utf8")) as unknown, fields: {}, files: [], multipart: false };
}

async function parseMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  const form = await new Request("http://fake.local/", {
    method: "POST",
    headers: { "content-type": contentType },
    body: raw,
  }).formData();
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === "string") {
      fields[field] = value;
      continue;
    }
    const bytes = Buffer.from(await value.arrayBuffer());
    const match = /^files\[(\d+)\]$/.exec(field);
    files.push({
      field,
      index: match?.[1] === undefined ? null : Number(match[1]),
      name: value.name,
      size: bytes.length,
      contentType: value.type || "application/octet-stream",
      bytes,
    });
  }
  const payload = fields["payload_json"];
  return {
    json: payload === undefined ? {} : (JSON.parse(payload) as unknown),
    fields,
    files,
    multipart: true,
  };
}
