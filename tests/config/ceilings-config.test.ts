import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load-config.js";
import { operatorCeilings } from "../../src/moderation/ceilings.js";

function ceilingsOf(yaml: string) {
  const { config, problems } = parseConfigText(yaml, "bot.yaml");
  expect(problems).toEqual([]);
  return operatorCeilings({
    settings: config!.settings,
    rateLimit: config!.rateLimit,
    ceilings: config!.ceilings,
  });
}

describe("ceilings in the config file", () => {
  it("protect a shared bot by default", () => {
    expect(ceilingsOf("")).toEqual({
      jobsPerWindow: 20,
      maxQueuedPerUser: 10,
      maxSteps: 150,
      maxWidth: 4096,
      maxHeight: 4096,
      maxPixels: 16777216,
      maxCount: 8,
      minWindowSeconds: 30,
    });
  });

  it("follow an operator who raised the bot-wide defaults or granted a role more, so their config keeps working", () => {
    const ceilings = ceilingsOf(
      [
        "rateLimit: { jobsPerWindow: 40, windowSeconds: 10 }",
        "settings:",
        "  maxSteps: 200",
        "  roleGrants: { '123456789012345678': { maxQueuedPerUser: 25 } }",
      ].join("\n"),
    );
    expect(ceilings).toMatchObject({
      jobsPerWindow: 40,
      maxQueuedPerUser: 25,
      maxSteps: 200,
      minWindowSeconds: 10,
    });
  });

  it("take what the operator wrote, and refuse one below the bot's own default, naming both keys", () => {
    expect(ceilingsOf("ceilings: { maxSteps: 60, minWindowSeconds: 45 }")).toMatchObject({
      maxSteps: 60,
      minWindowSeconds: 45,
    });
    const { problems } = parseConfigText(
      [
        "settings: { maxSteps: 80 }",
        "rateLimit: { windowSeconds: 20 }",
        "ceilings: { maxSteps: 40, maxQueuedPerUser: 2, minWindowSeconds: 30 }",
      ].join("\n"),
      "bot.yaml",
    );
    expect(problems).toEqual([
      "bot.yaml: ceilings.maxQueuedPerUser: expected at least the bot-wide maxQueuedPerUser of 3 (rateLimit.maxQueuedPerUser); raise the ceiling or lower that default, got 2",
      "bot.yaml: ceilings.maxSteps: expected at least the bot-wide maxSteps of 80 (settings.maxSteps); raise the ceiling or lower that default, got 40",
      "bot.yaml: ceilings.minWindowSeconds: expected at most the bot-wide windowSeconds of 20 (rateLimit.windowSeconds); lower the floor or lengthen that window, got 30",
    ]);
  });
});
