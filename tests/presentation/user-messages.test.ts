import { describe, expect, it } from "vitest";
import type { GenerateOutcome } from "../../src/app/generation-service.js";
import { describeDecline } from "../../src/presentation/describe-decline.js";
import {
  describeJobError,
  describeUnexpectedError,
  unreachableNotice,
} from "../../src/presentation/user-messages.js";
import type { AdmissionDecision } from "../../src/queue/admission.js";
import { jobErrorCodes, type JobError } from "../../src/queue/job-error.js";

const jobId = "4f1c2d3e-0000-4000-8000-000000000001";
const settings = {} as never;

function declined(decision: Exclude<AdmissionDecision, { kind: "accepted" }>): string {
  const outcome: Exclude<GenerateOutcome, { kind: "accepted" }> = { kind: "queue", decision, settings };
  return describeDecline(outcome, 1_800_000_000_000);
}

function failed(error: JobError): string {
  return describeJobError(error, { jobId });
}

describe("describeDecline", () => {
  it("tells a rate-limited member the limit and when to come back", () => {
    expect(declined({ kind: "rate_limited", retryAfterMs: 123_000, limit: 5, windowSeconds: 60 })).toBe(
      "You've hit the limit of 5 images per 60 s — try again <t:1800000123:R>.",
    );
  });

  it("explains the per-member queue cap and a full queue", () => {
    expect(declined({ kind: "too_many_queued", limit: 3, queued: 3 })).toBe(
      "You already have 3 jobs waiting — wait for one to finish before adding another.",
    );
    expect(declined({ kind: "queue_full", maxSize: 200 })).toBe(
      "The queue is full right now (200 jobs waiting) — try again in a few minutes.",
    );
  });

  it("passes a refusal's policy message through, without letting it ping", () => {
    const refused = (message: string) =>
      describeDecline({ kind: "refused", code: "banned_term", message, settings }, 0);
    expect(refused("NSFW prompts are not allowed in this channel.")).toBe(
      "NSFW prompts are not allowed in this channel.",
    );
    expect(refused("hi @everyone")).not.toContain("@everyone");
    expect(refused("")).toBe("That request isn't allowed here.");
  });
});

describe("describeJobError", () => {
  it("has a text for every job error code", () => {
    for (const code of jobErrorCodes)
      expect(failed({ code, message: "a detail worth passing on" }).length).toBeGreaterThan(20);
  });

  it("reassures the member that a job waits while the image server is unreachable", () => {
    expect(failed({ code: "comfy_unreachable", message: "ECONNREFUSED" })).toBe(unreachableNotice);
    expect(unreachableNotice).toBe(
      "The image server is unreachable; your job stays queued and will start when it's back.",
    );
  });

  it("names the job and ComfyUI's short reason when the workflow is rejected", () => {
    const text = failed({
      code: "comfy_validation",
      message: "Value 4000 bigger than max of 2048: width\n(node 5)",
    });
    expect(text).toBe(
      `The image server rejected the workflow of job \`${jobId}\`: Value 4000 bigger than max of 2048: width (node 5). The workflow may need fixing by the bot's operator.`,
    );
  });

  it("has a specific out-of-memory message and a general one naming the failed node", () => {
    expect(failed({ code: "comfy_execution", message: "CUDA", outOfMemory: true })).toBe(
      "The GPU ran out of memory — try a smaller size or fewer images.",
    );
    expect(failed({ code: "comfy_execution", message: "boom", node: "KSampler" })).toBe(
      `Job \`${jobId}\` failed on the image server in KSampler. Try again, or change the settings.`,
    );
  });

  it("describes interrupted, lost and timed-out jobs with the job id", () => {
    expect(failed({ code: "comfy_interrupted", message: "" })).toBe(
      `Job \`${jobId}\` was stopped on the image server from outside the bot.`,
    );
    expect(failed({ code: "comfy_lost", message: "" })).toBe(
      `The image server restarted and lost job \`${jobId}\` — please run it again.`,
    );
    expect(failed({ code: "comfy_timeout", message: "", timeout: "overall" })).toBe(
      `Job \`${jobId}\` took too long and was stopped. Try a smaller size or fewer steps.`,
    );
    expect(failed({ code: "comfy_timeout", message: "", timeout: "start" })).toContain(
      "waited too long to start",
    );
    expect(failed({ code: "comfy_timeout", message: "", timeout: "node_inactivity" })).toContain("stalled");
  });

  it("gives the limit when the output is too large or too many", () => {
    expect(
      describeJobError(
        { code: "comfy_output_too_large", message: "" },
        { jobId, maxBytes: 10 * 1024 * 1024 },
      ),
    ).toBe(
      `The images from job \`${jobId}\` are more than this bot accepts (limit 10 MiB) — try a smaller size or fewer images.`,
    );
  });

  it("points at the log for a bad response or no usable backend", () => {
    expect(failed({ code: "comfy_bad_response", message: "" })).toBe(
      `The image server sent an unexpected reply for job \`${jobId}\`. The bot's operator can find the details in the log.`,
    );
    expect(describeJobError({ code: "no_backend", message: "" }, { workflow: "sdxl" })).toBe(
      "No image server here can run the sdxl workflow right now. The bot's operator can find the details in the log.",
    );
  });

  it("passes the words of a refusal at dispatch and of values the workflow no longer takes through", () => {
    const message =
      "The rules of this channel changed while your job waited: Steps 80 is above this channel's limit of 40.";
    expect(failed({ code: "refused", message })).toBe(message);
    expect(
      failed({ code: "invalid_params", message: "Steps 80 is above this workflow's maximum of 50." }),
    ).toBe("Steps 80 is above this workflow's maximum of 50.");
  });

  it("apologises with the job id for an internal error", () => {
    expect(failed({ code: "internal", message: "TypeError: x is undefined" })).toBe(
      `Sorry, something went wrong with job \`${jobId}\`. The bot's operator can find the details in the log.`,
    );
    expect(describeUnexpectedError()).toBe(
      "Sorry, something went wrong. The bot's operator can find the details in the log.",
    );
  });
});
