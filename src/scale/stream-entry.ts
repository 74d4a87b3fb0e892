import { z } from "zod";
import type { RunOutputFile } from "../queue/dispatcher.js";
import { jobErrorSchema } from "../queue/job-error.js";
import { jobSchema, type Job } from "../queue/job.js";
import type { QueueEvent } from "../queue/queue-events.js";
import { readRecord } from "../storage/read-record.js";
import type { StreamEntry } from "../storage/redis/redis-job-events.js";

/**
 * What a stored transition announced, without the job (the entry carries the job as stored) and
 * without image bytes (a result's files wait in the output spool, a preview in its own key).
 */
const announcementSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("queued") }),
  z.object({ type: z.literal("staged"), backend: z.string() }),
  z.object({ type: z.literal("started"), backend: z.string() }),
  z.object({ type: z.literal("requeued"), error: jobErrorSchema }),
  z.object({ type: z.literal("succeeded") }),
  z.object({ type: z.literal("failed"), error: jobErrorSchema }),
  z.object({ type: z.literal("cancelled"), byModerator: z.boolean() }),
]);
export type Announcement = z.infer<typeof announcementSchema>;

/** Progress of a running job and positions in line: not stored, only told. */
const liveSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("node"), nodeId: z.string(), nodeType: z.string().optional() }),
  z.object({
    type: z.literal("progress"),
    value: z.number(),
    max: z.number(),
    overall: z.number(),
    etaMs: z.number(),
  }),
  z.object({ type: z.literal("preview"), contentType: z.string() }),
  z.object({ type: z.literal("position"), position: z.number(), etaMs: z.number() }),
]);
export type LiveEvent = z.infer<typeof liveSchema>;

/** One entry of the job event stream, read (see `src/storage/redis/event-functions.ts`). */
export type ScaleEntry = { id: string; n: number } & (
  | { kind: "job"; job: Job; rev: number; announcement: Announcement | undefined }
  | { kind: "live"; jobId: string; event: LiveEvent }
  /** A member used `/forget-me`: these jobs are gone. */
  | { kind: "forgotten"; jobIds: string[] }
  /** The conductor gave its lease up: whoever wants it may take it now. */
  | { kind: "released" }
  /** Written by a newer version, or damaged: skipped (its `n` still counts). */
  | { kind: "unreadable"; reason: string }
);

export function readEntry(entry: StreamEntry): ScaleEntry {
  const { fields } = entry;
  const base = { id: entry.id, n: Number(fields["n"] ?? "0") };
  const unreadable = (reason: string): ScaleEntry => ({ ...base, kind: "unreadable", reason });
  switch (fields["k"] ?? "") {
    case "job": {
      const job = readRecord(jobSchema, fields["job"] ?? "");
      if (!job.ok) return unreadable(job.reason);
      const text = fields["ev"] ?? "";
      const announced = text === "" ? undefined : readRecord(announcementSchema, text);
      if (announced && !announced.ok) return unreadable(announced.reason);
      return {
        ...base,
        kind: "job",
        job: job.value,
        rev: Number(fields["rev"]),
        announcement: announced?.value,
      };
    }
    case "live": {
      const event = readRecord(liveSchema, fields["ev"] ?? "");
      if (!event.ok) return unreadable(event.reason);
      return { ...base, kind: "live", jobId: fields["id"] ?? "", event: event.value };
    }
    case "forgotten": {
      const ids = readRecord(z.array(z.string()), fields["ids"] ?? "");
      return ids.ok ? { ...base, kind: "forgotten", jobIds: ids.value } : unreadable(ids.reason);
    }
    case "released":
      return { ...base, kind: "released" };
    default:
      return unreadable(`unknown kind ${JSON.stringify(fields["k"])}`);
  }
}

/** A transition's announcement as the stream keeps it (JSON), or "" when it announces nothing. */
export function announcementText(event: QueueEvent | undefined): string {
  if (!event) return "";
  switch (event.type) {
    case "queued":
    case "succeeded":
      return JSON.stringify({ type: event.type });
    case "staged":
    case "started":
      return JSON.stringify({ type: event.type, backend: event.backend });
    case "requeued":
    case "failed":
      return JSON.stringify({ type: event.type, error: event.error });
    case "cancelled":
      return JSON.stringify({ type: event.type, byModerator: event.byModerator });
    case "position":
    case "node":
    case "progress":
    case "preview":
      return "";
  }
}

/** A live event as the stream keeps it (JSON); a preview's bytes go elsewhere. */
export function liveText(event: QueueEvent): string | undefined {
  switch (event.type) {
    case "node":
      return JSON.stringify({ type: "node", nodeId: event.nodeId, nodeType: event.nodeType });
    case "progress": {
      const { value, max, overall, etaMs } = event;
      return JSON.stringify({ type: "progress", value, max, overall, etaMs });
    }
    case "preview":
      return JSON.stringify({ type: "preview", contentType: event.contentType });
    case "position":
      return JSON.stringify({ type: "position", position: event.position, etaMs: event.etaMs });
    case "queued":
    case "staged":
    case "started":
    case "requeued":
    case "succeeded":
    case "failed":
    case "cancelled":
      return undefined;
  }
}

/**
 * The queue event a stored transition made, rebuilt around the stored job; undefined when the
 * job's state does not fit the announcement (a damaged or hand-edited record). `files` is the
 * result's, from the output spool; `line` gives a waiting job's place and ETA.
 */
export function eventOf(
  job: Job,
  announcement: Announcement,
  extras: { files?: readonly RunOutputFile[] | undefined; line: { position: number; etaMs: number } },
): QueueEvent | undefined {
  switch (announcement.type) {
    case "queued":
      return job.state === "queued" ? { type: "queued", job, ...extras.line } : undefined;
    case "staged":
      return job.state === "staged" ? { type: "staged", job, backend: announcement.backend } : undefined;
    case "started":
      return job.state === "running" ? { type: "started", job, backend: announcement.backend } : undefined;
    case "requeued":
      return job.state === "queued" ? { type: "requeued", job, error: announcement.error } : undefined;
    case "succeeded":
      return job.state === "succeeded" ? { type: "succeeded", job, files: extras.files ?? [] } : undefined;
    case "failed":
      return job.state === "failed" ? { type: "failed", job, error: announcement.error } : undefined;
    case "cancelled":
      return job.state === "cancelled"
        ? { type: "cancelled", job, byModerator: announcement.byModerator }
        : undefined;
  }
}
