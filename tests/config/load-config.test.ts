import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { loadConfig, parseConfigText } from "../../src/config/load-config.js";
import { withEnvFile } from "../../src/config/env-file.js";

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

function projectWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "comfycord-config-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("the config file", () => {
  it("names the key, the expected value and what was given for a wrong type", () => {
    const { problems } = parseConfigText("rateLimit:\n  windowSeconds: ten\n", "bot.yaml");
    expect(problems).toEqual(['bot.yaml: rateLimit.windowSeconds: expected a positive integer, got "ten"']);
  });

  it("refuses zero and negative limits", () => {
    const { problems } = parseConfigText(
      "rateLimit: { jobsPerWindow: 0 }\nqueue: { maxSize: -3 }\n",
      "bot.yaml",
    );
    expect(problems).toEqual([
      "bot.yaml: rateLimit.jobsPerWindow: expected a positive integer, got 0",
      "bot.yaml: queue.maxSize: expected a positive integer, got -3",
    ]);
  });

  it("reports an unknown key with the key it probably meant", () => {
    const { problems } = parseConfigText("rateLimit:\n  jobsPerWindw: 3\nretension: {}\n", "bot.yaml");
    expect(problems).toContain(
      'bot.yaml: rateLimit: unknown key "jobsPerWindw" (did you mean "jobsPerWindow"?)',
    );
    expect(problems).toContain('bot.yaml: unknown key "retension" (did you mean "retention"?)');
  });

  it("gives line and column for invalid YAML", () => {
    const { problems } = parseConfigText("queue:\n  maxSize: [1, 2\n", "bot.yaml");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^bot\.yaml:\d+:\d+: invalid YAML: /);
  });

  it("accepts JSON, since JSON is YAML", () => {
    const { config, problems } = parseConfigText('{"rateLimit": {"jobsPerWindow": 9}}', "bot.json");
    expect(problems).toEqual([]);
    expect(config?.rateLimit).toEqual({ jobsPerWindow: 9, windowSeconds: 60, maxQueuedPerUser: 3 });
  });

  it("lists every problem at once, across the file", () => {
    const { problems } = parseConfigText(
      "settings: { nsfw: maybe, maxSteps: 0 }\nworkflows: [{ name: Big Name, file: a.json }]\n",
      "bot.yaml",
    );
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toContain("settings.nsfw");
    expect(problems.join("\n")).toContain("workflows.0.name: expected a lowercase slug");
  });

  it("checks workflow binding paths", () => {
    const { problems } = parseConfigText(
      "workflows: [{ name: a, file: a.json, bindings: { prompt: '6.text' } }]\n",
      "bot.yaml",
    );
    expect(problems[0]).toContain('workflows.0.bindings.prompt: expected "<nodeId>.inputs.<inputName>"');
  });

  it("fills every default for an empty file", () => {
    const { config } = parseConfigText("", "bot.yaml");
    expect(config?.queue).toEqual({
      maxSize: 200,
      maxPerGuild: 100,
      maxRequeues: 1,
      shutdownGraceSeconds: 30,
    });
    expect(config?.retention.days).toBe(30);
  });

  it("caps what ComfyUI may send by default", () => {
    const { config } = parseConfigText("", "bot.yaml");
    expect(config?.comfy).toMatchObject({
      maxOutputBytes: 52_428_800,
      maxOutputsPerJob: 32,
      maxOutputBytesPerJob: 268_435_456,
      maxJsonBytes: 67_108_864,
      maxFrameBytes: 16_777_216,
    });
  });

  it("refuses every timer longer than Node.js can wait, naming the key", () => {
    // 2 147 484 s is the first whole second past 2^31 - 1 ms, which Node fires after 1 ms.
    const tooLong = 2_147_484;
    const project = projectWith({
      "config/bot.yaml": [
        `queue: { shutdownGraceSeconds: ${tooLong} }`,
        "comfy:",
        `  pingIntervalSeconds: ${tooLong}`,
        `  pongTimeoutSeconds: ${tooLong}`,
        `  breakerCooldownSeconds: ${tooLong}`,
        `  timeouts: { startSeconds: ${tooLong}, nodeInactivitySeconds: ${tooLong}, overallSeconds: ${tooLong} }`,
        "discord: { editIntervalMs: 2147483648 }",
        "",
      ].join("\n"),
    });
    const problems = problemsOf(() => loadConfig({ env: {}, cwd: project }));
    const limit = "expected at most 2147483 seconds (about 24 days, the longest a Node.js timer can wait)";
    expect(problems).toEqual([
      `config/bot.yaml: queue.shutdownGraceSeconds: ${limit}, got ${tooLong}`,
      `config/bot.yaml: comfy.pingIntervalSeconds: ${limit}, got ${tooLong}`,
      `config/bot.yaml: comfy.pongTimeoutSeconds: ${limit}, got ${tooLong}`,
      `config/bot.yaml: comfy.timeouts.startSeconds: ${limit}, got ${tooLong}`,
      `config/bot.yaml: comfy.timeouts.nodeInactivitySeconds: ${limit}, got ${tooLong}`,
      `config/bot.yaml: comfy.timeouts.overallSeconds: ${limit}, got ${tooLong}`,
      `config/bot.yaml: comfy.breakerCooldownSeconds: ${limit}, got ${tooLong}`,
      "config/bot.yaml: discord.editIntervalMs: expected at most 2147483647 ms (about 24 days, the longest a Node.js timer can wait), got 2147483648",
    ]);
  });

  it("accepts the longest timers Node.js can wait", () => {
    const { problems } = parseConfigText(
      "comfy: { timeouts: { overallSeconds: 2147483 } }\ndiscord: { editIntervalMs: 2147483647 }\n",
      "bot.yaml",
    );
    expect(problems).toEqual([]);
  });
});

describe("the environment", () => {
  it("rejects a COMFY_URL that is not http(s), naming the bad entry of a list", () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { COMFY_URL: "http://gpu1:8188, ftp://gpu2" }, cwd: projectWith({}) }),
    );
    expect(problems).toEqual(['COMFY_URL: expected an http(s) URL, got "ftp://gpu2"']);
  });

  it("accepts credentials in a COMFY_URL and never repeats them in a problem", () => {
    const config = loadConfig({ env: { COMFY_URL: "http://op:hunter2@gpu1:8188" }, cwd: projectWith({}) });
    expect(config.env.COMFY_URL).toEqual([{ label: "gpu-1", url: "http://op:hunter2@gpu1:8188" }]);
    const problems = problemsOf(() =>
      loadConfig({ env: { COMFY_URL: "http://op:hunter2@gpu 1:8188" }, cwd: projectWith({}) }),
    );
    expect(problems).toEqual(['COMFY_URL: expected an http(s) URL, got "http://[credentials]@gpu 1:8188"']);
  });

  it("splits a comma-separated COMFY_URL into several hosts, each with a neutral label by position", () => {
    const config = loadConfig({ env: { COMFY_URL: "http://a:8188,http://b:8188" }, cwd: projectWith({}) });
    expect(config.env.COMFY_URL).toEqual([
      { label: "gpu-1", url: "http://a:8188" },
      { label: "gpu-2", url: "http://b:8188" },
    ]);
  });

  it('takes the label written before "=" in a COMFY_URL entry (issue 13 item 15)', () => {
    const config = loadConfig({
      env: {
        COMFY_URL: "gpu-a=http://op:pw@10.0.0.5:8188, http://10.0.0.6:8188/?token=x, big.box=https://b/comfy",
      },
      cwd: projectWith({}),
    });
    expect(config.env.COMFY_URL).toEqual([
      { label: "gpu-a", url: "http://op:pw@10.0.0.5:8188" },
      { label: "gpu-2", url: "http://10.0.0.6:8188/?token=x" },
      { label: "big.box", url: "https://b/comfy" },
    ]);
  });

  it("refuses a label that is not a short name, and one used twice", () => {
    expect(
      problemsOf(() => loadConfig({ env: { COMFY_URL: "my gpu=http://a:8188" }, cwd: projectWith({}) })),
    ).toEqual([
      'COMFY_URL: expected a label of letters, digits, "-", "_" or "." (up to 32), before "=", got "my gpu"',
    ]);
    expect(
      problemsOf(() =>
        loadConfig({ env: { COMFY_URL: "gpu-2=http://a:8188,http://b:8188" }, cwd: projectWith({}) }),
      ),
    ).toEqual([
      'COMFY_URL: each host needs its own label (an entry without one is gpu-<position>), got "gpu-2"',
    ]);
  });

  it("applies the documented defaults", () => {
    const config = loadConfig({ env: {}, cwd: projectWith({}) });
    expect(config.env).toMatchObject({
      COMFY_URL: [{ label: "gpu-1", url: "http://127.0.0.1:8188" }],
      DISCORD_API_URL: "https://discord.com/api",
      DATA_DIR: "./data",
      LOG_LEVEL: "info",
    });
    expect(config.env.DISCORD_TOKEN).toBeUndefined();
  });

  it("refuses a malformed guild id and an out-of-range metrics port", () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { DISCORD_GUILD_ID: "my-server", METRICS_PORT: "99999" }, cwd: projectWith({}) }),
    );
    expect(problems).toEqual([
      'DISCORD_GUILD_ID: expected a Discord server id (17 to 20 digits), got "my-server"',
      "METRICS_PORT: expected number to be <=65535, got 99999",
    ]);
  });

  it("says so when an explicit CONFIG_FILE does not exist", () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { CONFIG_FILE: "nope.yaml" }, cwd: projectWith({}) }),
    );
    expect(problems[0]).toMatch(/^CONFIG_FILE: no file at ".*nope\.yaml"/);
  });

  it("reads config/bot.yaml by default and falls back to the shipped example", () => {
    const own = projectWith({ "config/bot.yaml": "rateLimit: { jobsPerWindow: 2 }\n" });
    expect(loadConfig({ env: {}, cwd: own }).file.rateLimit.jobsPerWindow).toBe(2);
    const fresh = projectWith({ "config/bot.example.yaml": "rateLimit: { jobsPerWindow: 7 }\n" });
    const config = loadConfig({ env: {}, cwd: fresh });
    expect(config.usedExample).toBe(true);
    expect(config.file.rateLimit.jobsPerWindow).toBe(7);
  });

  it("lets the real environment win over .env", () => {
    const dir = projectWith({ ".env": "DISCORD_TOKEN=from-file\nLOG_LEVEL=debug\n" });
    const env = withEnvFile({ LOG_LEVEL: "warn" }, path.join(dir, ".env"));
    expect(env).toMatchObject({ DISCORD_TOKEN: "from-file", LOG_LEVEL: "warn" });
  });

  it("the shipped example config is valid", () => {
    const config = loadConfig({ env: {}, cwd: path.resolve(import.meta.dirname, "../..") });
    expect(config.file.workflows.map((workflow) => workflow.name)).toEqual([
      "sdxl",
      "sd15",
      "sd15-img2img",
      "upscale-no-model",
    ]);
    expect(config.file.actions).toEqual({
      img2img: "sd15-img2img",
      upscale: "upscale-no-model",
      varyDenoise: 0.55,
      maxInputBytes: 10 * 1024 * 1024,
    });
  });
});
