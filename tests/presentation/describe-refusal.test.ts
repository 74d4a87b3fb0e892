import { describe, expect, it } from "vitest";
import { describeRefusalForModLog } from "../../src/presentation/describe-refusal.js";

describe("the mod-log line for a refusal", () => {
  it("shows a /regex/ term as written: its markdown characters are escaped, not rendered", () => {
    const line = describeRefusalForModLog(
      {
        ok: false,
        reason: "banned_term",
        message: "Not here.",
        detail: "matched /g*re||x_y_/ in the prompt",
        nsfwAllowed: false,
      },
      { userId: "42", channelId: "7" },
    );
    expect(line).toBe(
      "Refused /generate from <@42> (42) in <#7>: banned_term, matched /g\\*re\\|\\|x\\_y\\_/ in the prompt",
    );
  });
});
