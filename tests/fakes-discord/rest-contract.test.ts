import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeDiscord } from "../fakes/discord/index.js";
import { startFakeDiscord } from "../fakes/discord/index.js";
import { tinyPng } from "./discord-client-harness.js";

/** Raw HTTP against the fake, for rules discord.js hides from its callers. */
describe("fake Discord: REST contract without a client", () => {
  let discord: FakeDiscord;
  const api = (path: string): string => `${discord.apiUrl}/v10${path}`;
  const bot = (): Record<string, string> => ({ Authorization: `Bot ${discord.botToken}` });
  const json = (body: unknown): RequestInit => ({
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

  beforeEach(async () => {
    discord = await startFakeDiscord({ oldMessageEditLimit: 2 });
  });

  afterEach(async () => {
    await discord.close();
  });

  it("answers bot routes without the bot token with 401 in Discord's JSON error shape", async () => {
    const res = await fetch(api("/users/@me"));
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ message: "401: Unauthorized", code: 0 });
    const ok = await fetch(api("/users/@me"), { headers: bot() });
    expect(await ok.json()).toMatchObject({ id: discord.botUser.id, bot: true });
    expect(discord.botUser.id).toMatch(/^\d{17,19}$/);
  });

  it("returns the callback resource with with_response=true and answers type 5 with a loading message", async () => {
    const handle = discord.invokeSlash({ name: "generate", options: { prompt: "x" } });
    const res = await fetch(
      api(`/interactions/${handle.id}/${handle.token}/callback?with_response=true`),
      json({ type: 5 }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      interaction: Record<string, unknown>;
      resource: { message: { flags: number } };
    };
    expect(body.interaction).toMatchObject({ id: handle.id, response_message_loading: true });
    expect(body.resource.message.flags).toBe(128);
    expect(handle.payload).toMatchObject({
      entitlements: [],
      version: 1,
      context: 0,
      attachment_size_limit: 10485760,
    });
  });

  it("keeps only the attachments listed on PATCH and adds new uploads", async () => {
    const handle = discord.invokeSlash({ name: "generate", options: { prompt: "x" } });
    const form = new FormData();
    form.append(
      "payload_json",
      JSON.stringify({ type: 4, data: { content: "two", attachments: [{ id: 0 }, { id: 1 }] } }),
    );
    form.append("files[0]", new Blob([tinyPng()], { type: "image/png" }), "a.png");
    form.append("files[1]", new Blob([tinyPng(2, 2)], { type: "image/png" }), "b.png");
    expect(
      (
        await fetch(api(`/interactions/${handle.id}/${handle.token}/callback`), {
          method: "POST",
          body: form,
        })
      ).status,
    ).toBe(204);
    const first = await handle.reply();
    const keep = first.attachments[1]!;
    const edit = new FormData();
    edit.append(
      "payload_json",
      JSON.stringify({ attachments: [{ id: keep.id }, { id: "0", filename: "c.png" }] }),
    );
    edit.append("files[0]", new Blob([tinyPng(1, 1)], { type: "image/png" }), "upload.png");
    const res = await fetch(api(`/webhooks/${discord.applicationId}/${handle.token}/messages/@original`), {
      method: "PATCH",
      body: edit,
    });
    expect(res.status).toBe(200);
    const message = discord.messages.get(first.id)!;
    expect(message.attachments.map((a) => [a.filename, a.width])).toEqual([
      ["b.png", 2],
      ["c.png", 1],
    ]);
    const recorded = discord.requests.at(-1)!;
    expect(recorded.files.map((f) => f.field)).toEqual(["files[0]"]);
  });

  it("caps edits of messages older than an hour with 30046", async () => {
    const old = discord.seedMessage({
      channelId: discord.channels.general.id,
      content: "old",
      createdAt: discord.clock.now() - 2 * 3_600_000,
    });
    const patch = (content: string) =>
      fetch(api(`/channels/${old.channelId}/messages/${old.id}`), {
        method: "PATCH",
        headers: { ...bot(), "Content-Type": "application/json" },
        body: JSON.stringify({ content }),
      });
    expect((await patch("1")).status).toBe(200);
    expect((await patch("2")).status).toBe(200);
    const refused = await patch("3");
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 30046 });
    expect(discord.messages.get(old.id)?.history.map((h) => h.content)).toEqual(["old", "1"]);
  });

  it("sends bucket headers and a global 429 when injected", async () => {
    const channel = discord.channels.general.id;
    const ok = await fetch(api(`/channels/${channel}/messages`), {
      ...json({ content: "hi" }),
      headers: { ...bot(), "Content-Type": "application/json" },
    });
    expect(ok.headers.get("x-ratelimit-limit")).toBe("5");
    expect(ok.headers.get("x-ratelimit-remaining")).toBe("4");
    expect(Number(ok.headers.get("x-ratelimit-reset-after"))).toBeGreaterThan(4);
    discord.inject429(/GET \/api\/v10\/channels\//, { retryAfterSec: 2, global: true, bucketHeaders: false });
    const limited = await fetch(api(`/channels/${channel}`), { headers: bot() });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-ratelimit-global")).toBe("true");
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(await limited.json()).toMatchObject({ retry_after: 2, global: true });
    expect(discord.rateLimitHits).toMatchObject([{ global: true, scope: "global" }]);
  });

  it("pings the users a new message mentions, narrowed by allowed_mentions", async () => {
    const channel = discord.channels.general.id;
    const send = async (body: Record<string, unknown>) => {
      const res = await fetch(api(`/channels/${channel}/messages`), {
        ...json(body),
        headers: { ...bot(), "Content-Type": "application/json" },
      });
      const { id } = (await res.json()) as { id: string };
      return discord.messages.get(id)!.pinged;
    };
    const text = "<@111111111111111111> and <@!222222222222222222>";
    expect(await send({ content: text })).toEqual(["111111111111111111", "222222222222222222"]);
    expect(await send({ content: text, allowed_mentions: { parse: [] } })).toEqual([]);
    expect(await send({ content: text, allowed_mentions: { users: ["222222222222222222"] } })).toEqual([
      "222222222222222222",
    ]);
    expect(await send({ content: text, allowed_mentions: { parse: ["users"] } })).toHaveLength(2);
  });
});
