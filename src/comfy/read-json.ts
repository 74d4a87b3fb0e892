import type { Dispatcher } from "undici";
import { ComfyError } from "./comfy-error.js";
import { readCapped } from "./read-capped.js";

// An error page is quoted in the error's message, never parsed: its first bytes are plenty.
const maxErrorTextBytes = 64 * 1024;

/**
 * Reads a JSON answer of at most `maxBytes` (`comfy.maxJsonBytes`). A larger one, announced by
 * Content-Length or found while reading, is refused without reading the rest: a 400 MiB
 * `/history` body once took 2.3 GiB of memory to buffer and parse. `label` names the request
 * ("GET /history/…") in the error.
 */
export async function readJson(
  response: Dispatcher.ResponseData,
  label: string,
  maxBytes: number,
): Promise<unknown> {
  const announced = Number(response.headers["content-length"]);
  if (Number.isFinite(announced) && announced > maxBytes) {
    response.body.destroy();
    throw new ComfyError(
      "comfy_bad_response",
      `${label} announced ${announced} bytes of JSON, more than ${maxBytes} (comfy.maxJsonBytes)`,
      { status: response.statusCode },
    );
  }
  const read = await readCapped(response.body, maxBytes);
  if (read.overflow) {
    throw new ComfyError(
      "comfy_bad_response",
      `${label} sent more than ${maxBytes} bytes of JSON (comfy.maxJsonBytes); the rest was not read. ` +
        "Raise comfy.maxJsonBytes if this host's answers are really that large",
      { status: response.statusCode },
    );
  }
  try {
    return JSON.parse(read.bytes.toString("utf8")) as unknown;
  } catch (error) {
    throw new ComfyError("comfy_bad_response", `${label}: not JSON (status ${response.statusCode})`, {
      cause: error,
      status: response.statusCode,
    });
  }
}

/** `readJson` for a 200; any other status fails with the start of the error page. */
export async function readJsonOk(
  response: Dispatcher.ResponseData,
  method: string,
  path: string,
  maxBytes: number,
): Promise<unknown> {
  if (response.statusCode !== 200) {
    const read = await readCapped(response.body, maxErrorTextBytes);
    throw new ComfyError(
      "comfy_bad_response",
      `${path} answered ${response.statusCode}: ${read.bytes.toString("utf8").slice(0, 200)}`,
      { status: response.statusCode },
    );
  }
  return readJson(response, `${method} ${path}`, maxBytes);
}
