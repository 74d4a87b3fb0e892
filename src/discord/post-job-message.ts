import { initialViewState } from "../presentation/apply-queue-event.js";
import { renderJobView } from "../presentation/render-job-view.js";
import { truncate } from "../presentation/truncate.js";
import type { Job } from "../queue/job.js";
import type { BotServices } from "./bot-services.js";
import type { MessageTarget } from "./message-transport.js";
import { viewToPayload } from "./view-to-payload.js";

export interface PostedJob {
  job: Job;
  position: number;
  etaMs: number;
}

/**
 * A job made from a button, a modal or an attached picture gets its own channel message (a reply
 * to the result it came from), followed like a `/generate` reply: the header line stays above
 * every state, so the finished image still links back. The press itself was answered
 * ephemerally. A job whose message cannot be posted is cancelled: nobody could follow or cancel it.
 */
export async function postJobMessage(
  services: BotServices,
  posted: PostedJob,
  where: { channelId: string; replyTo?: string | undefined; header: string; userId: string },
): Promise<MessageTarget> {
  const { job } = posted;
  const view = renderJobView(
    { ...initialViewState(job), position: posted.position + 1, etaAt: services.now() + posted.etaMs },
    { now: services.now(), previews: false, spoiler: false },
  );
  view.content = truncate(`${where.header}\n${view.content}`, 2000);
  let target: MessageTarget;
  try {
    target = await services.transport.post(where.channelId, viewToPayload(view), where.replyTo);
  } catch (error) {
    await services.queue.cancel(job.id, { userId: where.userId }).catch((cancelError: unknown) => {
      // The post's own error is rethrown below; this one only says the job may still run.
      services.logger.warn(
        { err: cancelError, jobId: job.id },
        "could not cancel a job whose message was refused; it may run without a message",
      );
    });
    throw error;
  }
  await services.jobMessages.attach(job, target, { header: where.header });
  return target;
}

/** A link members can click to a message. */
export function messageLink(guildId: string, channelId: string, messageId: string): string {
  return `https://discord.com/channels/${guildId}/${channelId}/${messageId}`;
}
