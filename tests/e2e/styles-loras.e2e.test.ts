import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Job } from "../../src/queue/job.js";
import type { ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import type { ApiPrompt } from "../../src/workflows/api-prompt.js";
import type { InteractionHandle } from "../fakes/discord/index.js";
import { MessageFlags } from "../fakes/discord/index.js";
import { eventually } from "../support/eventually.js";
import { shippedWorkflowsDir, startBotHarness, type BotHarness } from "./support/bot-harness.js";
import { dumpOnFailure } from "./support/dump-on-failure.js";
import { hasPng, reactedBy } from "./support/message-checks.js";

let harness: BotHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const stylesYaml = `
styles:
  - { name: watercolor, description: Soft watercolor, prompt: "{prompt}, watercolor painting, paper texture", negative: "photo, 3d render", params: { steps: 3 } }
  - { name: anime, description: Cel shading, prompt: "anime key visual of {prompt}" }
`;
const sd15Lora = `{ name: sd15-lora, file: ${JSON.stringify(path.join(shippedWorkflowsDir, "sd15-lora.json"))}, defaults: { steps: 3, width: 512, height: 512 } }`;
const lorasYaml = `
loras:
  - { name: detail, description: Finer detail, file: add_detail.safetensors, strength: 0.6 }
  - { name: ghost, file: ghost.safetensors }
`;

/** The graph ComfyUI received for a job, from the simulator's own `/history` (as ComfyUI keeps it). */
async function submittedGraph(sim: ComfySimulator, job: Job | undefined): Promise<ApiPrompt> {
  const promptId = job !== undefined && "run" in job ? job.run?.promptId : undefined;
  if (promptId === undefined) throw new Error(`job ${job?.id} was never sent to ComfyUI`);
  const history = (await (await fetch(`${sim.url}/history/${promptId}`)).json()) as Record<
    string,
    { prompt: [number, string, ApiPrompt] }
  >;
  return history[promptId]!.prompt[2];
}

async function ephemeralText(handle: InteractionHandle): Promise<string> {
  const ack = await handle.ack();
  expect(ack.type).toBe(4);
  expect(Number(ack.data?.["flags"]) & MessageFlags.ephemeral).toBe(MessageFlags.ephemeral);
  return String(ack.data?.["content"]);
}

function fieldsOf(message: { embeds: unknown[] }): Record<string, string> {
  const fields = message.embeds.flatMap(
    (embed) => (embed as { fields?: { name: string; value: string }[] }).fields ?? [],
  );
  return Object.fromEntries(fields.map((field) => [field.name, field.value]));
}

describe("styles end to end", () => {
  it("sends ComfyUI the member's prompt inside the style's template, shows the style, and a 🎲 reroll keeps it", async () => {
    harness = await startBotHarness({ extraYaml: stylesYaml });
    dumpOnFailure(harness);
    const { discord, sims, core, jobIds } = harness;
    const sim = sims[0]!;
    const handle = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a harbour at dawn", negative: "blurry", style: "watercolor", workflow: "sd15" },
    });
    const done = await handle.waitForReply(hasPng, 15_000);
    const graph = await submittedGraph(sim, core.queue.get(jobIds()[0]!));
    expect(graph["6"]!.inputs.text).toBe("a harbour at dawn, watercolor painting, paper texture");
    // The channel's SFW terms, the style's negative, then the member's own.
    expect(graph["7"]!.inputs.text).toBe("nsfw, nude, naked, explicit, photo, 3d render, blurry");
    // The style's steps, since the member gave none.
    expect(graph["3"]!.inputs.steps).toBe(3);
    expect(fieldsOf(done)).toMatchObject({ Style: "watercolor", Steps: "3" });

    await discord.waitForMessage(
      (message) => message.id === done.id && reactedBy(message, "🎲", discord.botUser.id),
    );
    discord.react({ messageId: done.id, channelId: done.channelId, emoji: "🎲", user: discord.users.bob });
    await eventually(() => expect(jobIds(discord.users.bob.id)).toHaveLength(1), "the reroll admitted");
    const rerollId = jobIds(discord.users.bob.id)[0]!;
    await eventually(() => expect(core.queue.get(rerollId)?.state).toBe("delivered"), "the reroll posted");
    const reroll = core.queue.get(rerollId)!;
    // The stored request keeps the member's words and the style's name; the style runs again.
    expect(reroll.request).toMatchObject({ prompt: "a harbour at dawn", style: "watercolor" });
    const again = await submittedGraph(sim, reroll);
    expect(again["6"]!.inputs.text).toBe("a harbour at dawn, watercolor painting, paper texture");
    expect(again["3"]!.inputs.seed).not.toBe(graph["3"]!.inputs.seed);
  });

  it("autocompletes the styles the channel allows, and refuses one it does not", async () => {
    harness = await startBotHarness({ extraYaml: stylesYaml });
    dumpOnFailure(harness);
    const { discord, sims } = harness;
    const all = await discord.autocomplete({ name: "generate", focused: "style" });
    expect(all).toEqual([
      { name: "watercolor — Soft watercolor", value: "watercolor" },
      { name: "anime — Cel shading", value: "anime" },
    ]);
    const typed = await discord.autocomplete({
      name: "generate",
      focused: "style",
      options: { style: "cel" },
    });
    expect(typed.map((choice) => choice["value"])).toEqual(["anime"]);

    const set = discord.invokeSlash({
      name: "settings",
      subcommand: "set",
      options: { key: "styles", value: "watercolor" },
      user: discord.users.mod,
    });
    expect(await ephemeralText(set)).toBe(
      "Updated: styles (channel <#" + discord.channels.general.id + ">): (inherited) → watercolor",
    );
    const show = discord.invokeSlash({ name: "settings", subcommand: "show", user: discord.users.mod });
    expect(await ephemeralText(show)).toContain("**styles**: watercolor · _this channel_");

    const narrowed = await discord.autocomplete({ name: "generate", focused: "style" });
    expect(narrowed.map((choice) => choice["value"])).toEqual(["watercolor"]);
    // Another channel still has them all.
    const elsewhere = await discord.autocomplete({
      name: "generate",
      focused: "style",
      channelId: discord.channels.art.id,
    });
    expect(elsewhere.map((choice) => choice["value"])).toEqual(["watercolor", "anime"]);

    const refused = discord.invokeSlash({ name: "generate", options: { prompt: "a cat", style: "anime" } });
    expect(await ephemeralText(refused)).toBe(
      'The style "anime" is not allowed in this channel. Allowed: watercolor.',
    );
    expect(harness.jobIds()).toHaveLength(0);
    expect(sims[0]!.stats.executions).toHaveLength(0);
  });
});

describe("LoRAs end to end", () => {
  it("binds the chosen LoRA's file and strength into the LoraLoader, and shows it by name", async () => {
    harness = await startBotHarness({
      extraYaml: lorasYaml,
      extraWorkflows: [sd15Lora],
      simulator: { loras: ["add_detail.safetensors", "example-lora.safetensors"] },
    });
    dumpOnFailure(harness);
    const { discord, sims, core, jobIds } = harness;
    const sim = sims[0]!;
    const first = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a fox", workflow: "sd15-lora", lora: "detail" },
    });
    const done = await first.waitForReply(hasPng, 15_000);
    expect((await submittedGraph(sim, core.queue.get(jobIds()[0]!)))["10"]!.inputs).toMatchObject({
      lora_name: "add_detail.safetensors",
      strength_model: 0.6,
      strength_clip: 0.6,
    });
    expect(fieldsOf(done)).toMatchObject({ LoRA: "detail", "LoRA strength": "0.6" });

    const second = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a fox", workflow: "sd15-lora", lora: "detail", lora_strength: -0.4 },
    });
    await second.waitForReply(hasPng, 15_000);
    expect((await submittedGraph(sim, core.queue.get(jobIds()[1]!)))["10"]!.inputs).toMatchObject({
      lora_name: "add_detail.safetensors",
      strength_model: -0.4,
      strength_clip: -0.4,
    });
  });

  it("autocompletes LoRAs for the workflow asked, leaving out those no host has, and refuses one for a workflow without a loader", async () => {
    harness = await startBotHarness({
      extraYaml: lorasYaml,
      extraWorkflows: [sd15Lora],
      simulator: { loras: ["add_detail.safetensors", "example-lora.safetensors"] },
    });
    dumpOnFailure(harness);
    const { discord, sims, logs } = harness;
    await eventually(
      () => expect(logs.some((line) => line["lora"] === "ghost")).toBe(true),
      "the host's LoRAs checked",
    );
    const forLora = await discord.autocomplete({
      name: "generate",
      focused: "lora",
      options: { workflow: "sd15-lora" },
    });
    expect(forLora).toEqual([{ name: "detail — Finer detail", value: "detail" }]);
    // The channel's default workflow (sd15) has no LoRA loader: nothing to pick.
    expect(await discord.autocomplete({ name: "generate", focused: "lora" })).toEqual([]);
    expect(
      await discord.autocomplete({ name: "generate", focused: "lora", options: { workflow: "sdxl" } }),
    ).toEqual([]);

    const refused = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a fox", workflow: "sd15", lora: "detail" },
    });
    expect(await ephemeralText(refused)).toBe(
      'The workflow "sd15" has no LoRA loader, so it cannot use the LoRA "detail". Workflows that take a LoRA here: sd15-lora.',
    );
    expect(harness.jobIds()).toHaveLength(0);
    expect(sims[0]!.stats.executions).toHaveLength(0);
  });

  it("reports an allow-listed LoRA no host has at start-up, and refuses it to members", async () => {
    harness = await startBotHarness({
      extraYaml: lorasYaml,
      extraWorkflows: [sd15Lora],
      simulator: { loras: ["add_detail.safetensors", "example-lora.safetensors"] },
    });
    dumpOnFailure(harness);
    const { discord, sims, logs } = harness;
    await eventually(() => {
      const reported = logs.find((line) => line["lora"] === "ghost");
      expect(reported).toMatchObject({
        level: 50,
        msg: 'LoRA "ghost": "ghost.safetensors" is not installed on the ComfyUI host, so members who pick it are refused; put the file in ComfyUI\'s models/loras folder, or fix loras[].file (it must match the name ComfyUI lists, subfolder included)',
      });
    }, "the missing LoRA reported");
    expect(logs.some((line) => line["lora"] === "detail")).toBe(false);

    const refused = discord.invokeSlash({
      name: "generate",
      options: { prompt: "a fox", workflow: "sd15-lora", lora: "ghost" },
    });
    expect(await ephemeralText(refused)).toBe(
      'The LoRA "ghost" is not installed on any image server that runs "sd15-lora" right now. Pick another one, or ask the bot\'s operator.',
    );
    expect(sims[0]!.stats.executions).toHaveLength(0);
  });
});
