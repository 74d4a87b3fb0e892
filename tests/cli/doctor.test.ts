import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDoctor } from "../../src/cli/doctor/run-doctor.js";
import { runRegisterCommand } from "../../src/cli/register-command.js";
import { startComfySimulator, type ComfySimulator } from "../../src/simulator/comfy-simulator.js";
import { Permission, startFakeDiscord, type FakeDiscord } from "../fakes/discord/index.js";
import { collect, tempProject, writeBotYaml } from "./support/cli-fixtures.js";

let discord: FakeDiscord;
let sim: ComfySimulator;
let project: string;
let configFile: string;

beforeAll(async () => {
  discord = await startFakeDiscord();
  sim = await startComfySimulator({ stepMs: 1 });
  project = tempProject();
  configFile = writeBotYaml(project);
  // Registered in the fixture's server only, so the global scope stays empty for the "missing" case.
  const registered = collect();
  expect(await runRegisterCommand({ env: baseEnv(), cwd: project, io: registered.io })).toBe(0);
  expect(registered.lines.join("\n")).toMatch(/Registered \d+ slash commands in server/);
});

afterAll(async () => {
  await sim.close();
  await discord.close();
});

function baseEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    DISCORD_TOKEN: discord.botToken,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guild.id,
    COMFY_URL: sim.url,
    DATA_DIR: path.join(project, "data"),
    CONFIG_FILE: configFile,
    ...overrides,
  };
}

async function doctor(env: NodeJS.ProcessEnv): Promise<{ code: number; lines: string[]; text: string }> {
  const lines: string[] = [];
  const code = await runDoctor({ env, cwd: project, out: (line) => lines.push(line), timeoutMs: 3000 });
  return { code, lines, text: lines.join("\n") };
}

/** The ✗ line matching `pattern` and the fix lines right under it. */
function failure(lines: string[], pattern: RegExp): { line: string; fixes: string[] } {
  const index = lines.findIndex((line) => line.startsWith("✗") && pattern.test(line));
  expect(index, `no ✗ line matching ${String(pattern)} in:\n${lines.join("\n")}`).toBeGreaterThanOrEqual(0);
  const fixes: string[] = [];
  for (const line of lines.slice(index + 1)) {
    if (!line.startsWith("    fix: ")) break;
    fixes.push(line.slice("    fix: ".length));
  }
  return { line: lines[index]!, fixes };
}

describe("npm run doctor", () => {
  it("passes every check against a registered bot, a reachable ComfyUI and a writable data folder", async () => {
    const { code, lines, text } = await doctor(baseEnv());
    expect(
      lines.filter((line) => line.startsWith("✗")),
      text,
    ).toEqual([]);
    for (const pattern of [
      /^✓ config valid/,
      /^✓ data folder writable/,
      new RegExp(`^✓ DISCORD_TOKEN valid: logged in as comfycord \\(${discord.botUser.id}\\)`),
      /^✓ slash commands registered in server \d+: \/generate \/queue \/cancel \/settings/,
      /^✓ bot permissions in Comfy Test Guild/,
      /^✓ ComfyUI gpu-1 \(127\.0\.0\.1:\d+\) reachable \(version 0\.3\.64\)/,
      /^✓ workflow sd15 runs on gpu-1 \(127\.0\.0\.1:\d+\)/,
      /^✓ workflow sdxl runs on gpu-1 \(127\.0\.0\.1:\d+\)/,
    ]) {
      expect(
        lines.some((line) => pattern.test(line)),
        `${String(pattern)} in:\n${text}`,
      ).toBe(true);
    }
    expect(text).not.toContain("⚠");
    expect(lines.at(-1)).toBe("All checks passed.");
    expect(code).toBe(0);
  });

  it("rejects a bad token with the Developer Portal fix", async () => {
    const { code, lines } = await doctor(baseEnv({ DISCORD_TOKEN: "not-the-token" }));
    const { fixes } = failure(lines, /DISCORD_TOKEN rejected/);
    expect(fixes[0]).toMatch(/^token rejected: reset it in the Developer Portal/);
    expect(code).toBe(1);
  });

  it("says how to get a token when none is set", async () => {
    const { code, lines } = await doctor(baseEnv({ DISCORD_TOKEN: undefined }));
    const { fixes } = failure(lines, /DISCORD_TOKEN not set/);
    expect(fixes.join(" ")).toContain("DISCORD_TOKEN=");
    expect(code).toBe(1);
  });

  it("reports slash commands that were never registered in the scope the bot uses", async () => {
    const { code, lines } = await doctor(baseEnv({ DISCORD_GUILD_ID: undefined }));
    const { line, fixes } = failure(lines, /slash commands missing globally/);
    expect(line).toContain("/generate");
    expect(fixes).toEqual(["start the bot once or run `npm run register`"]);
    expect(lines.some((l) => /^– bot permissions \(no DISCORD_GUILD_ID/.test(l))).toBe(true);
    expect(code).toBe(1);
  });

  it("reports a ComfyUI host that is down and skips its workflow checks", async () => {
    const down = await startComfySimulator({ stepMs: 1 });
    const url = down.url;
    await down.close();
    const { code, lines } = await doctor(baseEnv({ COMFY_URL: `${sim.url},${url}` }));
    const { line, fixes } = failure(lines, /ComfyUI gpu-2 \(127\.0\.0\.1:\d+\) unreachable/);
    expect(line).toContain(`unreachable at ${url}`);
    expect(fixes.join(" ")).toContain("COMFY_URL");
    expect(lines.filter((l) => l.startsWith("✓ ComfyUI"))).toHaveLength(1);
    expect(code).toBe(1);
  });

  it("checks a ComfyUI behind basic auth and never prints its credentials", async () => {
    const guarded = await startComfySimulator({
      stepMs: 1,
      basicAuth: { username: "operator", password: "hunter2-secret" },
    });
    const down = await startComfySimulator({ stepMs: 1 });
    const downUrl = down.url;
    await down.close();
    try {
      const withCredentials = (url: string) => url.replace("http://", "http://operator:hunter2-secret@");
      const { text, lines } = await doctor(
        baseEnv({ COMFY_URL: `${withCredentials(guarded.url)},${withCredentials(downUrl)}` }),
      );
      expect(
        lines.some((l) => /^✓ ComfyUI gpu-1 \(127\.0\.0\.1:\d+\) reachable/.test(l)),
        text,
      ).toBe(true);
      expect(
        lines.some((l) => /^✓ workflow sdxl runs on/.test(l)),
        text,
      ).toBe(true);
      const { line } = failure(lines, /unreachable/);
      expect(line).toContain(`unreachable at ${downUrl}`);
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain("operator");
    } finally {
      await guarded.close();
    }
  });

  it("never prints the credentials of a COMFY_URL it cannot parse", async () => {
    const { text } = await doctor(baseEnv({ COMFY_URL: "http://operator:hunter2-secret@gpu 1:8188" }));
    expect(text).toContain("COMFY_URL: expected an http(s) URL");
    expect(text).not.toContain("hunter2");
  });

  it("names the missing checkpoint when a host lacks a workflow's model", async () => {
    const lacking = await startComfySimulator({
      stepMs: 1,
      checkpoints: ["v1-5-pruned-emaonly.safetensors"],
    });
    try {
      const { code, lines } = await doctor(baseEnv({ COMFY_URL: lacking.url }));
      const { fixes } = failure(lines, /workflow sdxl cannot run on gpu-1 \(127\.0\.0\.1/);
      expect(fixes.join("\n")).toContain('model "sd_xl_base_1.0.safetensors"');
      expect(lines.some((l) => /^✓ workflow sd15 runs on/.test(l))).toBe(true);
      expect(code).toBe(1);
    } finally {
      await lacking.close();
    }
  });

  it("warns, without failing, when a host sends no previews", async () => {
    const quiet = await startComfySimulator({ stepMs: 1, previewMethod: "none" });
    try {
      const { code, lines } = await doctor(baseEnv({ COMFY_URL: quiet.url }));
      const index = lines.findIndex((l) => /^⚠ ComfyUI gpu-1 \(127\.0\.0\.1:\d+\): previews off/.test(l));
      expect(index, lines.join("\n")).toBeGreaterThanOrEqual(0);
      expect(lines[index + 1]).toBe("    fix: start ComfyUI with --preview-method auto (optional)");
      expect(lines.at(-1)).toBe("All checks passed (1 warning).");
      expect(code).toBe(0);
    } finally {
      await quiet.close();
    }
  });

  it("warns about a workflow whose defaults exceed the bot-wide limits, saying what the bot uses instead", async () => {
    const strict = writeBotYaml(tempProject(), "settings: { maxSteps: 4 }");
    const { code, lines } = await doctor(baseEnv({ CONFIG_FILE: strict }));
    const index = lines.findIndex((l) =>
      /^⚠ workflow sd15: default steps 6 is above the bot-wide maxSteps of 4; the bot uses 4/.test(l),
    );
    expect(index, lines.join("\n")).toBeGreaterThanOrEqual(0);
    expect(lines[index + 1]).toBe(
      "    fix: set workflows[].defaults.steps to 4 or less for sd15, or raise settings.maxSteps",
    );
    expect(code).toBe(0);
  });

  it("checks styles and LoRAs: a param the style's workflow ignores, and each LoRA on the hosts", async () => {
    const lora = path.join(import.meta.dirname, "../../config/workflows/sd15-lora.json");
    const withLoras = await startComfySimulator({
      stepMs: 1,
      loras: ["example-lora.safetensors", "add_detail.safetensors"],
    });
    try {
      const config = writeBotYaml(
        tempProject(),
        [
          `  - { name: sd15-lora, file: ${JSON.stringify(lora)} }`,
          "loras: [{ name: detail, file: add_detail.safetensors }, { name: ghost, file: ghost.safetensors }]",
          "styles: [{ name: ink, prompt: '{prompt}, ink', workflow: sdxl, params: { lora: detail } }]",
        ].join("\n"),
      );
      const { code, lines, text } = await doctor(baseEnv({ CONFIG_FILE: config, COMFY_URL: withLoras.url }));
      const warning = lines.findIndex(
        (l) => l === "⚠ style ink: params.lora is ignored: workflow sdxl does not take LoRA",
      );
      expect(warning, text).toBeGreaterThanOrEqual(0);
      expect(lines[warning + 1]).toBe("    fix: remove params.lora, or bind it in that workflow's bindings");
      expect(lines).toContain("✓ LoRA detail (add_detail.safetensors) is on every host");
      const { fixes } = failure(lines, /^✗ LoRA ghost \(ghost\.safetensors\) is on no host$/);
      expect(fixes).toEqual([
        'LoRA "ghost": "ghost.safetensors" is not installed on the ComfyUI host, so members who pick it are refused; put the file in ComfyUI\'s models/loras folder, or fix loras[].file (it must match the name ComfyUI lists, subfolder included)',
      ]);
      expect(code).toBe(1);
    } finally {
      await withLoras.close();
    }
  });

  it("reports a data folder that is a file", async () => {
    const file = path.join(project, "not-a-folder");
    writeFileSync(file, "x");
    const { code, lines } = await doctor(baseEnv({ DATA_DIR: file }));
    const { line, fixes } = failure(lines, /data folder unusable/);
    expect(line).toContain(file);
    expect(fixes.join(" ")).toContain("set DATA_DIR to a folder");
    expect(code).toBe(1);
  });

  it("lists every configuration problem and skips the checks that need a configuration", async () => {
    const bad = path.join(project, "bad.yaml");
    writeFileSync(bad, "rateLimit: { jobsPerWindow: -1 }\nqueue: { maxSiz: 3 }\n");
    const { code, lines } = await doctor(baseEnv({ CONFIG_FILE: bad, COMFY_URL: "not a url" }));
    const { line, fixes } = failure(lines, /config invalid: 3 problems/);
    expect(line).toBe("✗ config invalid: 3 problems");
    expect(fixes.some((fix) => fix.startsWith("COMFY_URL:"))).toBe(true);
    expect(fixes.some((fix) => fix.includes("rateLimit.jobsPerWindow"))).toBe(true);
    expect(fixes.some((fix) => fix.includes("maxSiz"))).toBe(true);
    expect(lines.some((l) => l.startsWith("– Discord, ComfyUI and workflow checks"))).toBe(true);
    expect(code).toBe(1);
  });
});

describe("npm run doctor: permissions", () => {
  it("names the permissions the bot's roles lack in the configured server", async () => {
    const stingy = await startFakeDiscord({
      guilds: (world) => [
        {
          ...world.guild,
          roles: world.guild.roles.map((role) =>
            role.id === world.guild.id
              ? { ...role, permissions: Permission.viewChannel | Permission.sendMessages }
              : role.id === world.roles.bot.id
                ? { ...role, permissions: Permission.attachFiles | Permission.embedLinks }
                : role,
          ),
        },
      ],
    });
    try {
      const env = baseEnv({
        DISCORD_TOKEN: stingy.botToken,
        DISCORD_API_URL: stingy.apiUrl,
        DISCORD_GUILD_ID: stingy.guild.id,
      });
      const { code, lines } = await doctor(env);
      const { line, fixes } = failure(lines, /bot permissions in Comfy Test Guild/);
      expect(line).toBe("✗ bot permissions in Comfy Test Guild: missing Add Reactions, Read Message History");
      expect(fixes[0]).toContain("Server Settings → Roles");
      expect(lines.some((l) => l.includes("note: without Manage Messages"))).toBe(true);
      expect(code).toBe(1);
    } finally {
      await stingy.close();
    }
  });
});
