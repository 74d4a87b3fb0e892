import { describe, expect, it } from "vitest";
import { parseSettingValue, settingHelp, splitTerms } from "../../src/moderation/parse-setting-value.js";
import { settingKeys, type SettingKey } from "../../src/moderation/settings-schema.js";

const role = "123456789012345678";
const role2 = "223456789012345678";

// [key, typed text, parsed value]
const good: [SettingKey, string, unknown][] = [
  ["enabled", "yes", true],
  ["enabled", "OFF", false],
  ["enabled", "true", true],
  ["enabled", "no", false],
  ["nsfw", "follow-channel", "follow-channel"],
  ["nsfw", "Off", "off"],
  ["bannedTerms", "gore, blood bath , /a{1,3}b/i, gore", ["gore", "blood bath", "/a{1,3}b/i"]],
  ["bannedTerms", "none", []],
  ["negativePrefix", "  lowres, watermark ", "lowres, watermark"],
  ["sfwNegative", "nsfw, nude", "nsfw, nude"],
  ["maxSteps", "40", 40],
  ["maxSteps", "500", 500],
  ["maxWidth", "1536", 1536],
  ["maxHeight", "1", 1],
  ["maxPixels", "1024x1024", 1048576],
  ["maxPixels", "2000000", 2000000],
  ["maxCount", "10", 10],
  ["workflows", "sdxl, flux", ["sdxl", "flux"]],
  ["workflows", "all", []],
  ["models", "a.safetensors,b.safetensors", ["a.safetensors", "b.safetensors"]],
  ["styles", "watercolor, anime ,watercolor", ["watercolor", "anime"]],
  ["styles", "ALL", []],
  ["previews", "on", true],
  ["spoilerResults", "false", false],
  ["imageInput", "no", false],
  ["rerollBy", "owner", "owner"],
  ["jobsPerWindow", "10", 10],
  ["windowSeconds", "3600", 3600],
  ["maxQueuedPerUser", "2", 2],
  [
    "roleGrants",
    `${role}:jobsPerWindow=10,maxQueuedPerUser=5; <@&${role2}>:priority`,
    { [role]: { jobsPerWindow: 10, maxQueuedPerUser: 5 }, [role2]: { priority: true } },
  ],
  ["roleGrants", `${role}:priority=no`, { [role]: { priority: false } }],
  ["roleGrants", "none", {}],
  ["modLogChannel", role, role],
  ["modLogChannel", `<#${role}>`, role],
];

// [key, typed text, expected message]
const bad: [SettingKey, string, string][] = [
  ["enabled", "maybe", 'enabled: expected yes or no, got "maybe"'],
  ["nsfw", "sometimes", 'nsfw: expected off, follow-channel or on, got "sometimes"'],
  ["bannedTerms", "gore, /(a/", "bannedTerms: regex /(a/ is not valid"],
  ["bannedTerms", "/abc/g", 'bannedTerms: regex /abc/g: flag "g" is not supported (allowed: i, s, m)'],
  ["bannedTerms", "x".repeat(201), "bannedTerms: expected terms separated by commas"],
  ["negativePrefix", "x".repeat(1001), "negativePrefix: expected text up to 1000 characters"],
  ["sfwNegative", "x".repeat(1001), "sfwNegative: expected text up to 1000 characters"],
  ["maxSteps", "abc", 'maxSteps: expected a whole number from 1 to 500, got "abc"'],
  ["maxSteps", "501", 'maxSteps: expected a whole number from 1 to 500, got "501"'],
  ["maxSteps", "0", 'maxSteps: expected a whole number from 1 to 500, got "0"'],
  ["maxSteps", "12.5", 'maxSteps: expected a whole number from 1 to 500, got "12.5"'],
  ["maxWidth", "9000", 'maxWidth: expected a whole number from 1 to 8192, got "9000"'],
  ["maxHeight", "-5", 'maxHeight: expected a whole number from 1 to 8192, got "-5"'],
  ["maxPixels", "9000x9000", "maxPixels: expected a whole number from 1 to 67108864, or WIDTHxHEIGHT"],
  ["maxCount", "11", 'maxCount: expected a whole number from 1 to 10, got "11"'],
  ["workflows", "", 'workflows: expected names separated by commas, "all" for every workflow, got ""'],
  ["models", " , ", "models: expected names separated by commas"],
  ["styles", ",", 'styles: expected names separated by commas, "all" for every style, got ","'],
  ["previews", "sure", 'previews: expected yes or no, got "sure"'],
  ["spoilerResults", "2", 'spoilerResults: expected yes or no, got "2"'],
  ["imageInput", "maybe", 'imageInput: expected yes or no, got "maybe"'],
  ["rerollBy", "mods", 'rerollBy: expected owner or anyone, got "mods"'],
  ["jobsPerWindow", "ten", "jobsPerWindow: expected a whole number from 1 to"],
  ["windowSeconds", "0", "windowSeconds: expected a whole number from 1 to"],
  ["maxQueuedPerUser", "", "maxQueuedPerUser: expected a whole number from 1 to"],
  ["roleGrants", "jobsPerWindow=10", "roleGrants: expected role:key=value"],
  ["roleGrants", `${role}:`, "roleGrants: expected role:key=value"],
  ["roleGrants", `${role}:priority=perhaps`, "roleGrants: expected role:key=value"],
  ["roleGrants", `${role}:speed=10`, "roleGrants: expected role:key=value"],
  ["roleGrants", `${role}:jobsPerWindow=0`, `roleGrants: ${role}.jobsPerWindow: Too small`],
  [
    "roleGrants",
    "42:priority",
    'roleGrants: "42" is not a role mention or id (a Discord id has 17 to 20 digits)',
  ],
  ["modLogChannel", "#mod-log", 'modLogChannel: expected a channel mention or id, got "#mod-log"'],
];

describe("parsing what a moderator types", () => {
  it.each(good)("reads %s = %j", (key, text, value) => {
    expect(parseSettingValue(key, text)).toEqual({ ok: true, key, value });
  });

  it.each(bad)("refuses %s = %j with a message naming the allowed format", (key, text, message) => {
    const parsed = parseSettingValue(key, text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  it("covers every setting key with at least one good and one bad example", () => {
    for (const key of settingKeys) {
      expect(good.some(([goodKey]) => goodKey === key)).toBe(true);
      expect(bad.some(([badKey]) => badKey === key)).toBe(true);
    }
  });

  it("keeps commas and slashes inside regex terms", () => {
    expect(splitTerms("/a{1,3}/, b, /https?:\\/\\/x/i,c")).toEqual([
      "/a{1,3}/",
      "b",
      "/https?:\\/\\/x/i",
      "c",
    ]);
  });

  it("offers one help line per key with a description, format and example", () => {
    expect(Object.keys(settingHelp).sort()).toEqual([...settingKeys].sort());
    expect(settingHelp.maxSteps.line).toBe(
      "maxSteps: Most sampling steps per image. Format: a whole number from 1 to 500. Example: 40",
    );
    for (const key of settingKeys) {
      const help = settingHelp[key];
      expect(help.line.startsWith(`${key}: `)).toBe(true);
      // Every documented example is itself accepted.
      expect(parseSettingValue(key, help.example).ok).toBe(true);
    }
  });
});
