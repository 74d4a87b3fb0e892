import type { IncomingMessage, ServerResponse } from "node:http";
import type { FileStore, FileType } from "./file-store.js";
import { readBody, sendEmpty, sendJson } from "./http-replies.js";

/** `GET /view`: 200 with the bytes, or 404 with an empty body like aiohttp. */
export function viewFile(files: FileStore, url: URL, res: ServerResponse): void {
  const filename = url.searchParams.get("filename");
  const subfolder = url.searchParams.get("subfolder") ?? "";
  const type = url.searchParams.get("type") ?? "output";
  if (filename === null || filename.startsWith("/") || filename.includes("..") || subfolder.includes("..")) {
    sendEmpty(res, filename === null ? 404 : 400);
    return;
  }
  const bytes = files.get(type, subfolder, filename);
  if (bytes === undefined) {
    sendEmpty(res, 404);
    return;
  }
  const contentType = filename.endsWith(".png")
    ? "image/png"
    : /\.jpe?g$/.test(filename)
      ? "image/jpeg"
      : filename.endsWith(".webp")
        ? "image/webp"
        : "application/octet-stream";
  res.writeHead(200, {
    "content-type": contentType,
    "content-length": bytes.length,
    "content-disposition": `filename="${filename}"`,
  });
  res.end(bytes);
}

/** `POST /upload/image` (multipart field `image`, optional `overwrite`, `subfolder`, `type`). */
export async function uploadImage(
  files: FileStore,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers))
    if (typeof value === "string") headers.set(name, value);
  let form: FormData;
  try {
    form = await new Request("http://simulator/upload/image", { method: "POST", headers, body }).formData();
  } catch {
    sendEmpty(res, 400);
    return;
  }
  const image = form.get("image");
  if (image === null || typeof image === "string") {
    sendEmpty(res, 400);
    return;
  }
  const field = (name: string, fallback: string): string => {
    const value = form.get(name);
    return typeof value === "string" ? value : fallback;
  };
  const subfolder = field("subfolder", "");
  const typeField = field("type", "input");
  const type: FileType = typeField === "output" || typeField === "temp" ? typeField : "input";
  const overwrite = ["true", "1"].includes(field("overwrite", "").toLowerCase());
  let name = image.name.split(/[\\/]/).pop() ?? "image.png";
  const bytes = Buffer.from(await image.arrayBuffer());
  const existing = files.get(type, subfolder, name);
  if (!overwrite && existing !== undefined && existing.equals(bytes)) {
    // ComfyUI recognises a re-upload of the same image and keeps the name without writing.
    sendJson(res, 200, { name, subfolder, type });
    return;
  }
  if (!overwrite && existing !== undefined) {
    // ComfyUI renames on clash: "name (1).png", "name (2).png", ...
    const dot = name.lastIndexOf(".");
    const stem = dot === -1 ? name : name.slice(0, dot);
    const ext = dot === -1 ? "" : name.slice(dot);
    let i = 1;
    while (files.has(type, subfolder, `${stem} (${i})${ext}`)) i++;
    name = `${stem} (${i})${ext}`;
  }
  files.addBytes(type, subfolder, name, bytes);
  sendJson(res, 200, { name, subfolder, type });
}
