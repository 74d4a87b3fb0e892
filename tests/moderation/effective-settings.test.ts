import { describe, expect, it } from "vitest";
import { defaults } from "../../src/config/defaults.js";
import {
  botSettingsDefaults,
  defaultSfwNegative,
  resolveEffectiveSettings,
} from "../../src/moderation/effective-settings.js";
import { memberLimits } from "../../src/moderation/member-limits.js";

const booster = "111111111111111111";
const artist = "222222222222222222";
const newcomer = "333333333333333333";

describe("effective settings", () => {
  it("starts from the defaults table, then the config's rateLimit and settings blocks", () => {
    const base = botSettingsDefaults({
      rateLimit: { jobsPerWindow: 8, windowSeconds: 120 },
      settings: { jobsPerWindow: 9 },
    });
    expect(base.maxSteps).toBe(defaults.settings.maxSteps);
    expect(base.maxQueuedPerUser).toBe(defaults.rateLimit.maxQueuedPerUser);
    expect(base.windowSeconds).toBe(120);
    expect(base.jobsPerWindow).toBe(9);
    expect(base.sfwNegative).toBe(defaultSfwNegative);
    expect(base.workflows).toEqual([]);
    expect(base.modLogChannel).toBeUndefined();
  });

  it("takes a value from the most specific layer that sets it and reports that layer", () => {
    const base = botSettingsDefaults({ settings: { maxSteps: 60 } });
    const effective = resolveEffectiveSettings(base, {
      server: { maxSteps: 40, nsfw: "off", windowSeconds: 30 },
      channel: { maxSteps: 20 },
    });
    expect(effective.values.maxSteps).toBe(20);
    expect(effective.sources.maxSteps).toBe("channel");
    expect(effective.values.nsfw).toBe("off");
    expect(effective.sources.nsfw).toBe("server");
    expect(effective.values.windowSeconds).toBe(30);
    expect(effective.sources.windowSeconds).toBe("server");
    expect(effective.values.maxCount).toBe(defaults.settings.maxCount);
    expect(effective.sources.maxCount).toBe("default");
  });

  it("lets a channel loosen a server value that is not a ban list", () => {
    const effective = resolveEffectiveSettings(botSettingsDefaults(), {
      server: { enabled: false },
      channel: { enabled: true },
    });
    expect(effective.values.enabled).toBe(true);
    expect(effective.sources.enabled).toBe("channel");
  });

  it("adds banned terms up across layers so a channel cannot drop a server ban", () => {
    const effective = resolveEffectiveSettings(botSettingsDefaults({ settings: { bannedTerms: ["a"] } }), {
      server: { bannedTerms: ["b"] },
      channel: { bannedTerms: ["c", "a"] },
    });
    expect(effective.values.bannedTerms).toEqual(["a", "b", "c"]);
    expect(effective.sources.bannedTerms).toBe("channel");
  });

  it("merges role grants per role, the channel's grant replacing the server's for the same role", () => {
    const effective = resolveEffectiveSettings(botSettingsDefaults(), {
      server: { roleGrants: { [booster]: { jobsPerWindow: 10 }, [artist]: { priority: true } } },
      channel: { roleGrants: { [booster]: { jobsPerWindow: 2 } } },
    });
    expect(effective.values.roleGrants).toEqual({
      [booster]: { jobsPerWindow: 2 },
      [artist]: { priority: true },
    });
  });
});

describe("member limits from role grants", () => {
  const values = resolveEffectiveSettings(
    botSettingsDefaults({ rateLimit: { jobsPerWindow: 5, maxQueuedPerUser: 3 } }),
    {
      server: {
        roleGrants: {
          [booster]: { jobsPerWindow: 10, maxQueuedPerUser: 4 },
          [artist]: { jobsPerWindow: 20, priority: true },
          [newcomer]: { jobsPerWindow: 1 },
        },
      },
    },
  ).values;

  it("keeps the channel's limits for a member without grants", () => {
    expect(memberLimits(values, ["999999999999999999"])).toEqual({
      jobsPerWindow: 5,
      windowSeconds: values.windowSeconds,
      maxQueuedPerUser: 3,
      priority: false,
      grantedBy: [],
    });
  });

  it("picks the largest grant per limit across the member's roles", () => {
    const limits = memberLimits(values, [booster, artist]);
    expect(limits.jobsPerWindow).toBe(20);
    expect(limits.maxQueuedPerUser).toBe(4);
    expect(limits.priority).toBe(true);
    expect(limits.grantedBy).toEqual([booster, artist]);
  });

  it("lets a grant lower a limit when it is the member's only grant for it", () => {
    expect(memberLimits(values, [newcomer]).jobsPerWindow).toBe(1);
    expect(memberLimits(values, [newcomer, booster]).jobsPerWindow).toBe(10);
  });
});
