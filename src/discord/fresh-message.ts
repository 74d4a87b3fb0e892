import type { Logger } from "pino";
import type { Job } from "../queue/job.js";
import type { MessageTarget, MessageTransport, RestPayload } from "./message-transport.js";

/**
 * Continues a long-waiting job on a new message: Discord caps edits of messages older than an
 * hour (30046), so a job that waited that long would otherwise stop showing progress. The old
 * message is pointed at the new one. Returns the new message, or
 * undefined when it could not be posted (the job then keeps its old message).
 */
export async function moveToFreshMessage(input: {
  transport: MessageTransport;
  logger: Logger;
  job: Job;
  old: MessageTarget;
  payload: RestPayload;
}): Promise<MessageTarget | undefined> {
  const { transport, logger, job, old } = input;
  let fresh: MessageTarget;
  try {
    fresh = await transport.post(old.channelId, input.payload, old.messageId);
  } catch (error) {
    logger.warn({ err: error, jobId: job.id }, "could not post a fresh progress message");
    return undefined;
  }
  const link = `https://discord.com/channels/${job.guildId}/${old.channelId}/${fresh.messageId}`;
  const pointer = {
    body: { content: `⏩ Continued in a new message: ${link}`, embeds: [], attachments: [], components: [] },
    files: [],
  };
  try {
    // One last edit of the old message, which may already be over its cap: then it keeps its text.
    await transport.edit(old, pointer);
  } catch (error) {
    logger.info({ err: error, jobId: job.id }, "could not point the old message at the fresh one");
  }
  return fresh;
}
