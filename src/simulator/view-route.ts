import type { ServerResponse } from "node:http";
import type { FileStore, FileType } from "./file-store.js";
import { sendEmpty, sendServerTrouble } from "./http-replies.js";
import { insideFolder } from "./python-paths.js";

const fileTypes: readonly FileType[] = ["output", "temp", "input"];

/**
 * folder_paths.annotated_filepath: `name.png [output]` names a file of another folder. The
 * suffix's length, space included, is cut off whether or not the space is there.
 */
export function annotatedName(name: string): { name: string; type: FileType | undefined } {
  if (name.endsWith("[output]")) return { name: name.slice(0, -9), type: "output" };
  if (name.endsWith("[input]")) return { name: name.slice(0, -8), type: "input" };
  if (name.endsWith("[temp]")) return { name: name.slice(0, -7), type: "temp" };
  return { name, type: undefined };
}

function contentType(filename: string): string {
  if (filename.endsWith(".png")) return "image/png";
  if (/\.jpe?g$/.test(filename)) return "image/jpeg";
  if (filename.endsWith(".webp")) return "image/webp";
  return "application/octet-stream";
}

/**
 * `GET /view` as server.py's `view_image`: the bytes as stored (uploads come back unchanged),
 * 404 without a `filename` or for a missing file, 400 for `/`-leading or `..` names and unknown
 * types, 403 for a subfolder outside the folder. Only the name's last part is used, so
 * `filename=sub/a.png` reads `a.png` of `subfolder`. The `preview` and `channel` re-encodings are
 * not simulated.
 */
export function viewFile(files: FileStore, url: URL, res: ServerResponse): void {
  const raw = url.searchParams.get("filename");
  if (raw === null) {
    sendEmpty(res, 404);
    return;
  }
  const annotated = annotatedName(raw);
  if (annotated.name === "") {
    // `filename[0]` of an empty name: IndexError, a 500.
    sendServerTrouble(res);
    return;
  }
  if (annotated.name.startsWith("/") || annotated.name.includes("..")) {
    sendEmpty(res, 400);
    return;
  }
  const type = annotated.type ?? url.searchParams.get("type") ?? "output";
  if (!(fileTypes as readonly string[]).includes(type)) {
    sendEmpty(res, 400);
    return;
  }
  const folder = insideFolder(url.searchParams.get("subfolder") ?? "");
  if (folder === undefined) {
    sendEmpty(res, 403);
    return;
  }
  const filename = annotated.name.slice(annotated.name.lastIndexOf("/") + 1);
  const bytes = filename === "" ? undefined : files.get(type, folder, filename);
  if (bytes === undefined) {
    sendEmpty(res, 404);
    return;
  }
  res.writeHead(200, {
    "content-type": contentType(filename),
    "content-length": bytes.length,
    "content-disposition": `filename="${filename}"`,
  });
  res.end(bytes);
}
