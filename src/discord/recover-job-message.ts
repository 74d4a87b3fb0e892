import type { Job } from "../queue/job.js";
import { truncate } from "../presentation/truncate.js";
import type { MessageTarget, MessageTransport } from "./message-transport.js";

/** Where a job stored without its message shows from now on. */
export type RecoveredMessage =
  /** Its `/generate` reply, found through the interaction token stored with the job. */
  | { kind: "reply"; target: MessageTarget }
  /** A new channel message mentioning its member; `header` stays above every later state. */
  | { kind: "posted"; target: MessageTarget; header: string };

/**
 * Admission stores a job before the bot answers, and the id of the message that shows it is
 * stored a moment later: a bot stopped between the two leaves a job the member was told about and
 * that no message shows. This finds that message again: the `/generate` reply through the stored
 * interaction token while it lives (15 minutes), or else a new message in the job's channel that
 * mentions its member (a job from a button or an attached picture had its own message, which was
 * never posted; an older reply can no longer be found). The new message carries `content` only:
 * the caller edits the whole view in next, as for any state change. Rejects with Discord's error
 * when it cannot post either.
 */
export async function recoverJobMessage(
  transport: Pick<MessageTransport, "findReply" | "post">,
  job: Job,
  content: string,
): Promise<RecoveredMessage> {
  if (job.origin) {
    const reply = await transport.findReply(job.origin);
    if (reply) return { kind: "reply", target: reply };
  }
  const header = `<@${job.userId}> your job from before the bot restarted:`;
  const target = await transport.post(job.channelId, {
    body: {
      content: truncate(`${header}\n${content}`, 2000),
      // The member is pinged (they may not find the job otherwise), nobody else.
      allowed_mentions: { users: [job.userId] },
    },
    files: [],
  });
  return { kind: "posted", target, header };
}
