import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { recheckAtDispatch } from "../../src/dispatch/recheck-at-dispatch.js";
import { botSettingsDefaults } from "../../src/moderation/effective-settings.js";
import { banTerm, setSetting } from "../../src/moderation/settings-editor.js";
import { SettingsRepository } from "../../src/moderation/settings-repository.js";
import { newJob } from "../../src/queue/job.js";
import { Store } from "../../src/store/store.js";

const guildId = "100000000000000001";
const channelId = "100000000000000002";

async function setup() {
  const store = await Store.open({ logger: pino({ level: "silent" }) });
  const settings = new SettingsRepository(store, botSettingsDefaults());
  await settings.resolve({ guildId, channelId });
  return settings;
}

function job(prompt: string, steps = 20) {
  return newJob(
    {
      userId: "1",
      guildId,
      channelId,
      workflow: "sd15",
      params: { prompt, steps, width: 512, height: 512 },
      limits: { jobsPerWindow: 5, windowSeconds: 60, maxQueuedPerUser: 3 },
    },
    { id: "job-1", seq: 1, now: 0 },
  );
}

describe("re-checking a waiting job at dispatch", () => {
  it("lets a job through when the rules still allow it", async () => {
    const settings = await setup();
    expect(recheckAtDispatch(job("a castle"), settings)).toBeUndefined();
  });

  it("stops a job whose prompt was banned while it waited, without echoing the term", async () => {
    const settings = await setup();
    await banTerm(settings, { kind: "channel", guildId, channelId }, "castle");
    const refusal = recheckAtDispatch(job("a castle"), settings);
    expect(refusal).toMatch(/rules of this channel changed/);
    expect(refusal).not.toContain("castle");
  });

  it("stops a job above a limit lowered while it waited, naming the limit", async () => {
    const settings = await setup();
    await setSetting(settings, { kind: "server", guildId }, "maxSteps", "10");
    expect(recheckAtDispatch(job("a castle", 20), settings)).toMatch(/10/);
  });
});
