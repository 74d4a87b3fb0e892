import { ComfyError, isComfyError } from "./comfy-error.js";
import type { ComfyHttp, SubmitBody } from "./comfy-http.js";
import type { PromptAccepted } from "./comfy-responses.js";

export interface SubmitOptions {
  attempts?: number;
  retryDelayMs?: number;
}

/**
 * Submits a prompt for a bot: a 400 and a partial acceptance (200 with `node_errors`, where ComfyUI silently
 * runs only the valid outputs) both throw comfy_validation; the partial run is cancelled first.
 */
export async function submitPrompt(
  http: ComfyHttp,
  body: SubmitBody,
  options: SubmitOptions = {},
): Promise<{ number: number }> {
  const accepted = await postPromptOnce(http, body, options);
  if (Object.keys(accepted.node_errors).length === 0) return { number: accepted.number };
  // ComfyUI runs the valid outputs of a partly accepted prompt: take it back out of the queue.
  let cancelFailure = "";
  try {
    await http.cancelPrompt(body.prompt_id);
  } catch (cancelError) {
    cancelFailure = `; removing its valid part from the queue failed too (${(cancelError as Error).message})`;
  }
  const error = {
    type: "prompt_outputs_failed_validation",
    message: "some outputs failed validation",
    details: "",
  };
  throw new ComfyError("comfy_validation", `prompt partly failed validation${cancelFailure}`, {
    status: 200,
    validation: { error, nodeErrors: accepted.node_errors },
  });
}

/**
 * `POST /prompt` that never runs a prompt twice: after a timeout or a connection error the POST may still have
 * landed, so look for our prompt_id in `/queue` and `/history` before sending it again. Validation and other
 * errors are thrown at once; the last transport error is thrown when attempts run out or the lookup fails.
 */
async function postPromptOnce(
  http: ComfyHttp,
  body: SubmitBody,
  options: SubmitOptions,
): Promise<Pick<PromptAccepted, "number" | "node_errors">> {
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 200;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await http.postPrompt(body);
    } catch (error) {
      const transport =
        isComfyError(error) && (error.code === "comfy_unreachable" || error.code === "comfy_timeout");
      if (!transport || attempt >= attempts) throw error;
      let found: number | undefined;
      try {
        found = await findSubmitted(http, body.prompt_id);
      } catch {
        throw error;
      }
      if (found !== undefined) return { number: found, node_errors: {} };
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
    }
  }
}

/** ComfyUI's queue number of a prompt it already has, or undefined when it has never seen it. */
async function findSubmitted(http: ComfyHttp, promptId: string): Promise<number | undefined> {
  const queue = await http.getQueue();
  const item = [...queue.running, ...queue.pending].find((entry) => entry.promptId === promptId);
  if (item) return item.number;
  const entry = await http.getHistory(promptId);
  if (!entry) return undefined;
  const number = entry.prompt?.[0];
  return typeof number === "number" ? number : 0;
}
