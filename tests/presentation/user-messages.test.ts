import { describe, expect, it } from "vitest";
import { describeError } from "../../src/presentation/user-messages.js";

const jobId = "4f1c2d3e-0000-4000-8000-000000000001";

describe("describeError", () => {
  it("tells a rate-limited user the limit and when to come back", () => {
    const retryAt = 1_800_000_123_000;
    expect(describeError("rate_limited", { limit: 5, windowMs: 60_000, retryAt })).toBe(
      "You've hit the limit of 5 images per 60 s — try again <t:1800000123:R>.",
    );
    expect(describeError("rate_limited", {})).toBe(
      "You're asking for images too fast — try again in a moment.",
    );
  });

  it("explains the per-user queue cap and a full queue", () => {
    expect(describeError("too_many_queued", { maxQueued: 3 })).toBe(
      "You already have 3 jobs waiting — wait for one to finish before adding another.",
    );
    expect(describeError("queue_full", { queueSize: 200 })).toBe(
      "The queue is full right now (200 jobs waiting) — try again in a few minutes.",
    );
    expect(describeError("queue_full")).toBe("The queue is full right now — try again in a few minutes.");
  });

  it("passes a refusal's policy message through, without letting it ping", () => {
    expect(describeError("refused", { message: "NSFW prompts are not allowed in this channel." })).toBe(
      "NSFW prompts are not allowed in this channel.",
    );
    expect(describeError("refused", { message: "hi @everyone" })).not.toContain("@everyone");
    expect(describeError("refused", {})).toBe("That request isn't allowed here.");
  });

  it("reassures the user that a job waits while the image server is unreachable", () => {
    expect(describeError("comfy_unreachable", { jobId })).toBe(
      "The image server is unreachable; your job stays queued and will start when it's back.",
    );
  });

  it("names the job and ComfyUI's short reason when the workflow is rejected", () => {
    const text = describeError("comfy_validation", {
      jobId,
      detail: "Value 4000 bigger than max of 2048: width\n(node 5)",
    });
    expect(text).toBe(
      `The image server rejected the workflow of job \`${jobId}\`: Value 4000 bigger than max of 2048: width (node 5). The workflow may need fixing by the bot's operator.`,
    );
  });

  it("has a specific out-of-memory message and a general one naming the failed node", () => {
    expect(describeError("comfy_execution", { jobId, outOfMemory: true })).toBe(
      "The GPU ran out of memory — try a smaller size or fewer images.",
    );
    expect(describeError("comfy_execution", { jobId, node: "KSampler" })).toBe(
      `Job \`${jobId}\` failed on the image server in KSampler. Try again, or change the settings.`,
    );
  });

  it("describes interrupted, cancelled, lost and timed-out jobs with the job id", () => {
    expect(describeError("comfy_interrupted", { jobId })).toBe(
      `Job \`${jobId}\` was stopped on the image server from outside the bot.`,
    );
    expect(describeError("comfy_cancelled", { jobId })).toBe(`Job \`${jobId}\` was cancelled.`);
    expect(describeError("comfy_lost", { jobId })).toBe(
      `The image server restarted and lost job \`${jobId}\` — please run it again.`,
    );
    expect(describeError("comfy_timeout", { jobId, timeout: "overall" })).toBe(
      `Job \`${jobId}\` took too long and was stopped. Try a smaller size or fewer steps.`,
    );
    expect(describeError("comfy_timeout", { jobId, timeout: "start" })).toContain("waited too long to start");
    expect(describeError("comfy_timeout", { jobId, timeout: "node_inactivity" })).toContain("stalled");
  });

  it("gives the upload limit when the output is too large", () => {
    expect(describeError("comfy_output_too_large", { jobId, maxBytes: 10 * 1024 * 1024 })).toBe(
      `The image from job \`${jobId}\` is too large to upload here (limit 10 MiB) — try a smaller size.`,
    );
  });

  it("points at the log for a bad response or no usable backend", () => {
    expect(describeError("comfy_bad_response", { jobId })).toBe(
      `The image server sent an unexpected reply for job \`${jobId}\`. The bot's operator can find the details in the log.`,
    );
    expect(describeError("no_backend", { workflow: "sdxl" })).toBe(
      "No image server here can run the sdxl workflow right now. The bot's operator can find the details in the log.",
    );
  });

  it("passes workflow parameter errors through, and names an unknown workflow", () => {
    const message = "steps 80 is above the maximum of 50 here";
    expect(describeError("param_out_of_range", { message })).toBe(message);
    expect(describeError("param_not_offered", {})).toBe("One of the options isn't valid for this workflow.");
    expect(describeError("bad_value", { message: "size must look like 1024x768" })).toBe(
      "size must look like 1024x768",
    );
    expect(describeError("unknown_workflow", { workflow: "flux" })).toBe(
      "There is no workflow called flux here.",
    );
  });

  it("apologises with the job id for anything it does not know", () => {
    expect(describeError("internal", { jobId })).toBe(
      `Sorry, something went wrong with job \`${jobId}\`. The bot's operator can find the details in the log.`,
    );
    expect(describeError("something_new", { jobId })).toBe(describeError("internal", { jobId }));
  });
});
