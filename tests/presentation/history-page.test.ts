import { describe, expect, it } from "vitest";
import { messageLink, renderHistoryPage } from "../../src/presentation/history-page.js";
import type { ResultEntry } from "../../src/history/result-store.js";

function result(fields: {
  messageId: string;
  userId: string;
  createdAt: number;
  prompt: string;
}): ResultEntry {
  return {
    messageId: fields.messageId,
    channelId: "c1",
    guildId: "g1",
    userId: fields.userId,
    jobId: `job-${fields.messageId}`,
    workflow: "sd15",
    request: { prompt: fields.prompt },
    params: { prompt: fields.prompt, seed: 42 },
    createdAt: fields.createdAt,
  };
}

describe("renderHistoryPage", () => {
  it("shows each result with its time, workflow, seed, link and trimmed, defused prompt", () => {
    const long = result({
      messageId: "111",
      userId: "u",
      createdAt: 1_700_000_000_000,
      prompt: `@everyone ${"y".repeat(400)}`,
    });
    const view = renderHistoryPage({
      result: { entries: [long], total: 6 },
      pageIndex: 0,
      pageSize: 5,
      subjectId: "u",
      self: true,
      retentionDays: 30,
    });
    expect(view.content).toContain("page 1/2 · 6 in all");
    expect(view.content).toContain("<t:1700000000:R> · sd15 · seed `42`");
    expect(view.content).toContain(`[open](${messageLink(long)})`);
    expect(messageLink(long)).toBe("https://discord.com/channels/g1/c1/111");
    expect(view.content).not.toContain("@everyone");
    expect(view.content).not.toContain("y".repeat(200));
    expect(view).toMatchObject({ pages: 2, hasNewer: false, hasOlder: true });
  });

  it("says when there is nothing to show, naming the member a moderator looked up", () => {
    const view = renderHistoryPage({
      result: { entries: [], total: 0 },
      pageIndex: 0,
      subjectId: "42",
      self: false,
      retentionDays: 7,
    });
    expect(view.content).toBe("<@42> has no generations in this server (results are kept for 7 days).");
    expect(view).toMatchObject({ hasNewer: false, hasOlder: false });
  });
});
