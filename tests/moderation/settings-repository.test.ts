import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { operatorCeilings } from "../../src/moderation/ceilings.js";
import { botSettingsDefaults } from "../../src/moderation/effective-settings.js";
import { memberLimits } from "../../src/moderation/member-limits.js";
import {
  banTerm,
  formatSettingValue,
  resetSetting,
  setSetting,
  unbanTerm,
} from "../../src/moderation/settings-editor.js";
import {
  SettingsRepository,
  channelScope,
  type SettingsScope,
} from "../../src/moderation/settings-repository.js";
import { openStorage } from "../../src/storage/open-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { rawConnection } from "../storage/support/temp-storage.js";

const logger = pino({ level: "silent" });
const guildId = "100000000000000001";
const channelId = "200000000000000001";
const otherChannelId = "200000000000000002";
const threadId = "300000000000000001";
const server: SettingsScope = { kind: "server", guildId };
const channel: SettingsScope = { kind: "channel", guildId, channelId };

let dataDir: string;
let store: Storage;
let repository: SettingsRepository;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "comfycord-settings-"));
  store = await openStorage({ dataDir, logger, busyTimeoutMs: 200 });
  const own = { settings: { maxSteps: 60 } };
  repository = new SettingsRepository(store.settings, botSettingsDefaults(own), operatorCeilings(own));
});

afterEach(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("settings repository", () => {
  it("resolves default → server → channel, and a thread follows its parent channel", async () => {
    expect((await repository.resolve({ guildId, channelId })).sources.maxSteps).toBe("default");
    await setSetting(repository, server, "maxSteps", "40");
    const serverOnly = await repository.resolve({ guildId, channelId });
    expect([serverOnly.values.maxSteps, serverOnly.sources.maxSteps]).toEqual([40, "server"]);
    await setSetting(repository, channel, "maxSteps", "20");
    const inThread = await repository.resolve({ guildId, channelId: threadId, parentId: channelId });
    expect([inThread.values.maxSteps, inThread.sources.maxSteps]).toEqual([20, "channel"]);
    const elsewhere = await repository.resolve({ guildId, channelId: otherChannelId });
    expect([elsewhere.values.maxSteps, elsewhere.sources.maxSteps]).toEqual([40, "server"]);
    expect(channelScope({ guildId, channelId: threadId, parentId: channelId })).toEqual(channel);
  });

  it("describes each change as old → new for the log and the mod log", async () => {
    const first = await setSetting(repository, channel, "maxSteps", "40");
    expect(first).toMatchObject({
      ok: true,
      change: { action: "set", key: "maxSteps", before: undefined, after: 40 },
    });
    if (first.ok) expect(first.change.summary).toBe(`maxSteps (channel <#${channelId}>): (inherited) → 40`);
    const second = await setSetting(repository, channel, "maxSteps", "30");
    if (second.ok) expect(second.change.summary).toBe(`maxSteps (channel <#${channelId}>): 40 → 30`);
    const reset = await resetSetting(repository, channel, "maxSteps");
    if (reset.ok) expect(reset.change.summary).toBe(`maxSteps (channel <#${channelId}>): 30 → (inherited)`);
    expect(await repository.getLayer(channel)).toEqual({});
  });

  it("refuses a bad value without storing anything", async () => {
    const result = await setSetting(repository, server, "maxSteps", "abc");
    expect(result).toEqual({
      ok: false,
      message: 'maxSteps: expected a whole number from 1 to 500, got "abc"',
    });
    expect(await repository.getLayer(server)).toEqual({});
  });

  it("bans and unbans single terms, rejecting invalid regexes and saying where a term is banned", async () => {
    const banned = await banTerm(repository, server, "gore");
    expect(banned.ok && banned.change.summary).toBe("bannedTerms (server): (none) → gore");
    expect(await banTerm(repository, server, "gore")).toEqual({
      ok: false,
      message: 'bannedTerms: "gore" is already banned here',
    });
    const invalid = await banTerm(repository, server, "/(a+/");
    expect(invalid.ok).toBe(false);
    await banTerm(repository, channel, "/blood(y|bath)/");
    expect((await repository.resolve({ guildId, channelId })).values.bannedTerms).toEqual([
      "gore",
      "/blood(y|bath)/",
    ]);

    const fromChannel = await unbanTerm(repository, channel, "gore");
    expect(fromChannel).toEqual({
      ok: false,
      message:
        'bannedTerms: "gore" is not banned at this level (it is banned for the whole server: unban it there)',
    });
    const lifted = await unbanTerm(repository, server, "gore");
    expect(lifted.ok && lifted.change.summary).toBe("bannedTerms (server): gore → (none)");
  });

  it("keeps every change made to one scope at the same time and stores a term banned twice once", async () => {
    await Promise.all([
      banTerm(repository, server, "one"),
      setSetting(repository, server, "maxSteps", "30"),
      setSetting(repository, server, "maxCount", "2"),
      banTerm(repository, server, "two"),
      banTerm(repository, server, "one"),
    ]);
    expect(await repository.getLayer(server)).toEqual({
      maxSteps: 30,
      maxCount: 2,
      bannedTerms: ["one", "two"],
    });
  });

  it("reports a change the store could not save, keeps the stored layer, and applies the next change", async () => {
    await setSetting(repository, server, "maxSteps", "40");
    const other = await rawConnection(dataDir);
    await other.run("BEGIN IMMEDIATE");
    try {
      await expect(setSetting(repository, server, "maxSteps", "20")).rejects.toMatchObject({
        failure: "busy",
      });
    } finally {
      await other.run("ROLLBACK");
      await other.close();
    }
    expect((await repository.getLayer(server)).maxSteps).toBe(40);
    await setSetting(repository, server, "maxSteps", "30");
    expect((await repository.getLayer(server)).maxSteps).toBe(30);
  });

  it("lists the channels of a server where generation was turned on", async () => {
    await setSetting(repository, server, "enabled", "no");
    await setSetting(repository, channel, "enabled", "yes");
    await setSetting(repository, { kind: "channel", guildId, channelId: otherChannelId }, "enabled", "no");
    await setSetting(
      repository,
      { kind: "channel", guildId: "100000000000000009", channelId: "400000000000000001" },
      "enabled",
      "yes",
    );
    expect(await repository.enabledChannelIds(guildId)).toEqual([channelId]);
  });

  it("keeps settings across a store close and re-open", async () => {
    await setSetting(repository, server, "nsfw", "off");
    await setSetting(repository, channel, "roleGrants", "123456789012345678:jobsPerWindow=10,priority");
    await banTerm(repository, channel, "gore");
    await store.close();

    store = await openStorage({ dataDir, logger });
    repository = new SettingsRepository(store.settings, botSettingsDefaults(), operatorCeilings());
    const effective = await repository.resolve({ guildId, channelId });
    expect(effective.values.nsfw).toBe("off");
    expect(effective.values.roleGrants).toEqual({
      "123456789012345678": { jobsPerWindow: 10, priority: true },
    });
    expect(effective.values.bannedTerms).toEqual(["gore"]);
    expect(formatSettingValue("roleGrants", effective.values.roleGrants)).toBe(
      "<@&123456789012345678> jobsPerWindow=10,priority",
    );
  });

  it("holds stored layers and role grants to the operator's ceilings, and refuses raising past them", async () => {
    const role = "123456789012345678";
    // Written straight to the file, as a version without ceilings (or a higher one) left them.
    await store.settings.set("guild:100000000000000001", {
      guildId,
      settings: {
        jobsPerWindow: 500,
        windowSeconds: 1,
        maxSteps: 400,
        roleGrants: { [role]: { maxQueuedPerUser: 99 } },
      },
    });
    await store.close();
    store = await openStorage({ dataDir, logger });
    const ceilings = operatorCeilings({
      ceilings: { jobsPerWindow: 8, maxQueuedPerUser: 4, minWindowSeconds: 20 },
    });
    repository = new SettingsRepository(store.settings, botSettingsDefaults(), ceilings);

    const effective = await repository.resolve({ guildId, channelId });
    expect(effective.values.jobsPerWindow).toBe(8);
    expect(effective.values.windowSeconds).toBe(20);
    expect(effective.values.maxSteps).toBe(150);
    expect(effective.capped).toEqual(["jobsPerWindow", "maxSteps", "windowSeconds", "roleGrants"]);
    expect(memberLimits(effective.values, [role])).toMatchObject({
      jobsPerWindow: 8,
      windowSeconds: 20,
      maxQueuedPerUser: 4,
    });
    expect(repository.resolveCached({ guildId, channelId })?.values.maxQueuedPerUser).toBe(3);

    const raised = await setSetting(repository, channel, "maxQueuedPerUser", "5");
    expect(raised).toEqual({
      ok: false,
      message: "maxQueuedPerUser: 5 is above this bot's ceiling of 4 (set by its operator); pick 4 or less.",
    });
    expect((await setSetting(repository, channel, "maxQueuedPerUser", "4")).ok).toBe(true);
    expect((await setSetting(repository, channel, "windowSeconds", "19")).ok).toBe(false);
  });
});
