import { describe, expect, it } from "vitest";
import { relativeTimestamp } from "../../src/presentation/discord-timestamp.js";
import {
  CODE_BLOCK_OVERHEAD,
  codeBlock,
  codeBlockWithin,
  escapeMarkdown,
} from "../../src/presentation/escape-text.js";

const ZWSP = "\u200b";

describe("escapeMarkdown (labels: hosts, nodes, workflows, models, /history prompts)", () => {
  it("escapes what would format", () => {
    expect(escapeMarkdown("**bold** _it_ __u__ ~~s~~ ||spoiler|| `code`")).toBe(
      "\\*\\*bold\\*\\* \\_it\\_ \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\|\\|spoiler\\|\\| \\`code\\`",
    );
    expect(escapeMarkdown("sd_xl_base_1.0.safetensors")).toBe("sd\\_xl\\_base\\_1.0.safetensors");
    expect(escapeMarkdown("C:\\models\\x")).toBe("C:\\\\models\\\\x");
  });

  it("defuses masked links and block quotes", () => {
    expect(escapeMarkdown("[free nitro](https://evil.example)")).toBe("\\[free nitro](https://evil.example)");
    expect(escapeMarkdown("> quoted")).toBe("\\> quoted");
    // Inside a line these format nothing, so they stay as written.
    expect(escapeMarkdown("127.0.0.1:8188 #2 - 3 > 2")).toBe("127.0.0.1:8188 #2 - 3 > 2");
  });

  it("leaves a host's URL one link, and characters that format nothing alone", () => {
    expect(escapeMarkdown("http://gpu_box_2:8188")).toBe("http://gpu_box_2:8188");
    expect(escapeMarkdown("a|b [x] 3 > 2 KSampler (Advanced)")).toBe("a|b [x] 3 > 2 KSampler (Advanced)");
  });

  it("cannot ping", () => {
    expect(escapeMarkdown("@everyone @here <@1> <@&2> <#3>")).toBe(
      `@${ZWSP}everyone @${ZWSP}here <${ZWSP}@1> <${ZWSP}@&2> <${ZWSP}#3>`,
    );
  });
});

describe("codeBlock (prompts)", () => {
  it("keeps backticks visible without letting them close the fence", () => {
    const block = codeBlock("a ``` b `c`");
    expect(block).toBe(`\`\`\`\na \`${ZWSP}\`${ZWSP}\`${ZWSP} b \`${ZWSP}c\`${ZWSP}\n\`\`\``);
    expect(block.slice(3, -3)).not.toContain("```");
    expect(block.replaceAll(ZWSP, "")).not.toContain("\\");
  });

  it("shows an empty prompt as an empty block, and its overhead is the fences", () => {
    expect(codeBlock("")).toBe("```\n \n```");
    expect(CODE_BLOCK_OVERHEAD).toBe("```\n\n```".length);
    expect(codeBlockWithin("x".repeat(100), 50)).toHaveLength(50);
  });
});

describe("relativeTimestamp", () => {
  it("is Discord's relative style, to the nearest second", () => {
    expect(relativeTimestamp(1_700_000_000_400)).toBe("<t:1700000000:R>");
    expect(relativeTimestamp(1_700_000_000_600)).toBe("<t:1700000001:R>");
  });
});
