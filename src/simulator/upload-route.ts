import type { IncomingMessage, ServerResponse } from "node:http";
import type { FileStore, FileType } from "./file-store.js";
import { sendEmpty, sendJson, sendServerTrouble, sendText } from "./http-replies.js";
import { insideFolder, joinPath, normpath, splitext, splitFolder } from "./python-paths.js";

type FormField = ReturnType<FormData["get"]>;

/**
 * Reads the whole body but keeps at most `maxBytes`: aiohttp stops at its `client_max_size`
 * (`--max-upload-size`) and the client may still be sending, so the rest is drained, not kept.
 */
async function readBodyCapped(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ bytes: Buffer; total: number }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (kept + buffer.length <= maxBytes) {
      chunks.push(buffer);
      kept += buffer.length;
    }
  }
  return { bytes: Buffer.concat(chunks, kept), total };
}

async function parseForm(req: IncomingMessage, body: Buffer): Promise<FormData | "not_a_form" | "broken"> {
  const contentType = req.headers["content-type"] ?? "";
  // aiohttp's post() reads only these two; any other body is an empty form.
  if (!/^(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(contentType)) return "not_a_form";
  try {
    return await new Request("http://simulator/upload/image", {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    }).formData();
  } catch {
    return "broken";
  }
}

/**
 * `POST /upload/image` as ComfyUI's `image_upload` in server.py: the `image` file into the
 * `type` folder (input by default) under `subfolder`; with `overwrite` "true" or "1" the name is
 * kept, otherwise a clash becomes `name (1).ext`, `name (2).ext`, ... and a file with the same
 * bytes (hash compare) is reused without writing. Answers `{name, subfolder, type}` as given.
 */
export async function uploadImage(
  files: FileStore,
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
): Promise<void> {
  const { bytes: body, total } = await readBodyCapped(req, maxBytes);
  if (total > maxBytes) {
    // aiohttp's HTTPRequestEntityTooLarge. It counts the parts' bytes while reading and names the
    // count where it stopped; this names the whole body, so only the first number is exact.
    sendText(res, 413, `Maximum request body size ${maxBytes} exceeded, actual body size ${total}`);
    return;
  }
  const form = await parseForm(req, body);
  if (form === "broken") {
    sendServerTrouble(res);
    return;
  }
  const field = (name: string): FormField => (form === "not_a_form" ? null : form.get(name));
  const typeField = field("type");
  // get_dir_by_type: no `type` is input; any other value leaves its folder unset (a 500).
  const type = typeField === null ? "input" : typeField;
  if (type !== "input" && type !== "temp" && type !== "output") {
    sendServerTrouble(res);
    return;
  }
  const image = field("image");
  if (image === null) {
    sendEmpty(res, 400);
    return;
  }
  // A plain field (or a part without a file name) is a str in aiohttp, and `image.file` raises;
  // a file given as `subfolder` makes os.path.normpath raise.
  const subfolderField = field("subfolder");
  if (
    typeof image === "string" ||
    image.name === "" ||
    (subfolderField !== null && typeof subfolderField !== "string")
  ) {
    sendServerTrouble(res);
    return;
  }
  const subfolder = subfolderField ?? "";
  const folder = normpath(subfolder);
  const target = insideFolder(joinPath(folder, image.name));
  if (insideFolder(folder) === undefined || target === undefined) {
    sendEmpty(res, 400);
    return;
  }
  files.makeFolder(type, folder);
  const bytes = Buffer.from(await image.arrayBuffer());
  const written = storeUpload(files, type, folder, image.name, bytes, isOverwrite(field("overwrite")));
  if (written === undefined) {
    sendServerTrouble(res);
    return;
  }
  sendJson(res, 200, { name: written, subfolder, type });
}

/** Only these two strings, compared exactly (`"True"` does not overwrite). */
function isOverwrite(value: FormField): boolean {
  return value === "true" || value === "1";
}

/**
 * Writes the upload and returns the name it ended up with, or undefined where Python's `open()`
 * would fail: the name is a folder, or it has a folder part that does not exist.
 */
function storeUpload(
  files: FileStore,
  type: FileType,
  folder: string,
  filename: string,
  bytes: Buffer,
  overwrite: boolean,
): string | undefined {
  const locate = (name: string): string | undefined => {
    const normal = insideFolder(joinPath(folder, name));
    return normal === "." ? undefined : normal;
  };
  let name = filename;
  if (!overwrite) {
    const [stem, ext] = splitext(filename);
    for (let i = 1; ; i++) {
      const at = locate(name);
      const existing = at === undefined ? undefined : files.get(type, ...splitFolder(at));
      if (existing === undefined) break;
      // compare_image_hash: the same bytes under this name are taken as the same image.
      if (existing.equals(bytes)) return name;
      name = `${stem} (${i})${ext}`;
    }
  }
  const at = locate(name);
  if (at === undefined || files.hasFolder(type, at)) return undefined;
  const [parent, base] = splitFolder(at);
  if (!files.hasFolder(type, parent)) return undefined;
  files.addBytes(type, parent, base, bytes);
  return name;
}
