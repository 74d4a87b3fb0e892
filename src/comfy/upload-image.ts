import type { Dispatcher } from "undici";
import { FormData } from "undici";
import { z } from "zod";
import { ComfyError } from "./comfy-error.js";
import { readCapped } from "./read-capped.js";
import { readJson } from "./read-json.js";

/** Where ComfyUI stores an upload; `input` is where LoadImage looks by default. */
export type UploadType = "input" | "temp" | "output";

export interface UploadImageOptions {
  /** A folder below the type's folder (`comfycord/jobs`); created by ComfyUI. Default: the top. */
  subfolder?: string;
  /** Default `input`. */
  type?: UploadType;
  /**
   * Replace a file of the same name. Without it ComfyUI keeps the name when the bytes are the
   * same and otherwise stores `name (1).ext`: always use the answer's name.
   */
  overwrite?: boolean;
}

/** ComfyUI's answer to `POST /upload/image`, plus what a LoadImage node needs to load the file. */
export interface UploadedImage {
  /** The name ComfyUI stored the file under: the one sent, or `name (1).ext` after a clash. */
  name: string;
  /** As sent. */
  subfolder: string;
  type: string;
  /**
   * The value for a LoadImage `image` input: `subfolder/name`, or `name` at the top. ComfyUI's
   * LoadImage joins it to the input folder (folder_paths.get_annotated_filepath), so a subfolder
   * needs no other input; a temp or output file gets the ` [temp]`/` [output]` suffix that points
   * LoadImage at that folder.
   */
  loadImageValue: string;
}

const uploadAnswerSchema = z.looseObject({
  name: z.string().min(1),
  subfolder: z.string().default(""),
  type: z.string().default("input"),
});

/** Control characters: a multipart header cannot carry them faithfully. */
function hasControl(text: string): boolean {
  return [...text].some((char) => char.charCodeAt(0) < 0x20);
}

/**
 * Throws TypeError for a file name or subfolder that is not a plain relative name: ComfyUI would
 * refuse it, write elsewhere or fail on it, and that is a caller's bug, not the host's answer.
 */
export function checkUploadTarget(fileName: string, subfolder: string): void {
  if (["", ".", ".."].includes(fileName) || /[/\\]/.test(fileName) || hasControl(fileName)) {
    throw new TypeError(`upload file name must be a plain file name, got ${JSON.stringify(fileName)}`);
  }
  const parts = subfolder.split("/");
  if (
    subfolder.startsWith("/") ||
    subfolder.includes("\\") ||
    parts.includes("..") ||
    hasControl(subfolder)
  ) {
    throw new TypeError(`upload subfolder must stay inside the folder, got ${JSON.stringify(subfolder)}`);
  }
}

/** The multipart body ComfyUI's `image_upload` reads: `image`, `type`, `subfolder`, `overwrite`. */
export function uploadForm(bytes: Uint8Array, fileName: string, options: UploadImageOptions): FormData {
  const form = new FormData();
  form.append("image", new Blob([bytes]), fileName);
  form.append("type", options.type ?? "input");
  if (options.subfolder !== undefined && options.subfolder !== "")
    form.append("subfolder", options.subfolder);
  if (options.overwrite === true) form.append("overwrite", "true");
  return form;
}

/** The LoadImage value for a stored file (see `UploadedImage.loadImageValue`). */
export function loadImageValue(answer: { name: string; subfolder: string; type: string }): string {
  const path =
    answer.subfolder === "" ? answer.name : `${answer.subfolder.replace(/\/+$/, "")}/${answer.name}`;
  return answer.type === "output" || answer.type === "temp" ? `${path} [${answer.type}]` : path;
}

/**
 * Reads ComfyUI's answer. 200: `{name, subfolder, type}` (capped like every JSON answer). 400 and
 * 413 are the host refusing this file (no image part or a bad name; bigger than its
 * `--max-upload-size`): `comfy_validation`, which says nothing about the host's health. Anything
 * else, a 500 included, is `comfy_bad_response`.
 */
export async function readUploadAnswer(
  response: Dispatcher.ResponseData,
  fileName: string,
  maxJsonBytes: number,
): Promise<UploadedImage> {
  const status = response.statusCode;
  if (status !== 200) {
    const text = (await readCapped(response.body, 4096)).bytes.toString("utf8").slice(0, 200).trim();
    const said = text === "" ? "" : `: ${text}`;
    if (status === 400 || status === 413) {
      const why =
        status === 413 ? "it is larger than the host accepts (--max-upload-size)" : "no image or a bad name";
      throw new ComfyError("comfy_validation", `upload of ${fileName} refused (${status}, ${why})${said}`, {
        status,
      });
    }
    throw new ComfyError("comfy_bad_response", `POST /upload/image answered ${status}${said}`, { status });
  }
  const parsed = uploadAnswerSchema.safeParse(await readJson(response, "POST /upload/image", maxJsonBytes));
  if (!parsed.success) {
    throw new ComfyError(
      "comfy_bad_response",
      `unexpected response from /upload/image: ${parsed.error.message}`,
      { cause: parsed.error },
    );
  }
  const { name, subfolder, type } = parsed.data;
  return { name, subfolder, type, loadImageValue: loadImageValue(parsed.data) };
}
