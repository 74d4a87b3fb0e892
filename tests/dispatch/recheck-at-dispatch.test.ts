import { describe, expect, it } from "vitest";
import { recheckAtDispatch } from "../../src/dispatch/recheck-at-dispatch.js";
import { botSettingsDefaults, resolveEffectiveSettings } from "../../src/moderation/effective-settings.js";
import type { ChannelLocation } from "../../src/moderation/settings-repository.js";
import type { SettingsLayer } from "../../src/moderation/settings-schema.js";
import type { QueuedJob } from "../../src/queue/job.js";

const guildId = "100000000000000001";
const channelId = "100000000000000002";

/** The channel's rules as the settings cache has them now; records which channel was looked up. */
function rules(layers: { server?: SettingsLayer; channel?: SettingsLayer } = {}) {
  const asked: ChannelLocation[] = [];
  return {
    asked,
    resolveCached: (location: ChannelLocation) => {
      asked.push(location);
      return resolveEffectiveSettings(
        botSettingsDefaults({ settings: { negativePrefix: "lowres" } }),
        layers,
      );
    },
  };
}

function job(prompt: string, steps = 20, extra: Partial<QueuedJob> = {}): QueuedJob {
  return {
    id: "job-1",
    seq: 1,
    userId: "1",
    guildId,
    channelId,
    messages: [],
    workflow: "sd15",
    request: { prompt, steps },
    params: { prompt, steps, width: 512, height: 512, negative: "lowres" },
    priority: false,
    state: "queued",
    attempts: 0,
    requeues: 0,
    createdAt: 0,
    queuedAt: 0,
    ...extra,
  };
}

describe("re-checking a waiting job at dispatch", () => {
  it("lets a job through when the rules still allow it", () => {
    expect(recheckAtDispatch(job("a castle"), rules())).toBeUndefined();
  });

  it("stops a job whose prompt was banned while it waited, without echoing the term", () => {
    const refusal = recheckAtDispatch(job("a castle"), rules({ channel: { bannedTerms: ["castle"] } }));
    expect(refusal).toMatch(/rules of this channel changed/);
    expect(refusal).not.toContain("castle");
  });

  it("stops a job above a limit lowered while it waited, naming the limit", () => {
    expect(recheckAtDispatch(job("a castle", 20), rules({ server: { maxSteps: 10 } }))).toMatch(/10/);
  });

  it("checks the built values, so a workflow default above a lowered limit stops the job too", () => {
    const waiting = job("a castle", 20, { request: { prompt: "a castle" } });
    expect(recheckAtDispatch(waiting, rules({ server: { maxSteps: 10 } }))).toMatch(/Steps 20/);
  });

  it("looks for banned terms in the member's own negative, not in the prefix the channel added", () => {
    const settings = rules({ channel: { bannedTerms: ["lowres"] } });
    expect(recheckAtDispatch(job("a castle"), settings)).toBeUndefined();
    const own = job("a castle", 20, { request: { prompt: "a castle", negative: "lowres" } });
    expect(recheckAtDispatch(own, settings)).toMatch(/negative prompt contains a term/);
  });

  it("stops a styled job whose style was taken off the channel's list, or whose template got a banned term", () => {
    const styled = job("a castle", 20, {
      request: { prompt: "a castle", style: "ink" },
      params: { prompt: "a castle, ink drawing, crosshatching", steps: 20, negative: "lowres" },
    });
    expect(recheckAtDispatch(styled, rules())).toBeUndefined();
    expect(recheckAtDispatch(styled, rules({ channel: { styles: ["watercolor"] } }))).toBe(
      'The rules of this channel changed while your job waited: The style "ink" is not allowed in this channel. Allowed: watercolor.',
    );
    expect(recheckAtDispatch(styled, rules({ server: { bannedTerms: ["crosshatching"] } }))).toBe(
      'The rules of this channel changed while your job waited: The "ink" style adds a term that is not allowed in this channel. Please choose another style.',
    );
  });

  it("reads a thread's rules from its parent channel", () => {
    const settings = rules();
    recheckAtDispatch(job("a castle", 20, { parentChannelId: "100000000000000003" }), settings);
    expect(settings.asked).toEqual([{ guildId, channelId, parentId: "100000000000000003" }]);
  });
});
