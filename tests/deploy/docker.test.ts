import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// No Docker engine runs where the tests do: these checks read the Dockerfile and compose file
// the way Docker would and catch what would only fail at `docker build` / `docker compose up`.

const repoRoot = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(repoRoot, file), "utf8");

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions in order: comments dropped, backslash continuations joined (as Docker does). */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split("\n").forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const continued = trimmed.endsWith("\\");
    const piece = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending ? { ...pending, text: `${pending.text} ${piece}` } : { text: piece, line: index + 1 };
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/.exec(pending.text)!;
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: pending.line });
    pending = undefined;
  });
  return instructions;
}

interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const [image, as, name] = instruction.args.replace(/--platform=\S+\s+/, "").split(/\s+/);
      stages.push({ image: image!, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** COPY/ADD arguments: flags, then sources, then the destination (shell or JSON form). */
function copyArgs(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const flags: Record<string, string> = {};
  let rest = args.trim();
  for (
    let flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest);
    flag;
    flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest)
  ) {
    flags[flag[1]!] = flag[2] ?? "true";
    rest = rest.slice(flag[0].length);
  }
  const words = rest.startsWith("[") ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  return { flags, sources: words.slice(0, -1), dest: words.at(-1)! };
}

/** ENV in both forms: `ENV a=1 b=2` and the legacy `ENV a 1`. */
function envOf(instructions: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of instructions) {
    if (keyword !== "ENV") continue;
    if (!args.includes("=")) {
      const [key, ...value] = args.split(/\s+/);
      env[key!] = value.join(" ");
      continue;
    }
    for (const pair of args.match(/[^\s=]+=(?:"[^"]*"|\S*)/g) ?? []) {
      const at = pair.indexOf("=");
      env[pair.slice(0, at)] = pair.slice(at + 1).replace(/^"(.*)"$/, "$1");
    }
  }
  return env;
}

/**
 * .dockerignore as Docker reads it: patterns relative to the context root, `*` and `?` within
 * one path segment, `**` across segments, a match on a folder covers everything below it, `!`
 * re-includes, and the last matching line wins.
 */
function dockerignore(text: string): (file: string) => boolean {
  const rules = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const include = line.startsWith("!");
      const pattern = path.posix.normalize((include ? line.slice(1) : line).replace(/^\/+/, ""));
      const source = pattern
        .split(/(\*\*\/?|\*|\?)/)
        .map((part) => {
          if (part === "**/" || part === "**") return "(?:.*/)?";
          if (part === "*") return "[^/]*";
          if (part === "?") return "[^/]";
          return part.replace(/[.+^${}()|[\]\\]/g, "\\$&");
        })
        .join("");
      return { include, regex: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (file) => {
    let excluded = false;
    for (const rule of rules) if (rule.regex.test(file)) excluded = !rule.include;
    return excluded;
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.posix.join(path.relative(repoRoot, entry.parentPath).split(path.sep).join("/"), entry.name),
    );
}

const instructions = parseDockerfile(read("Dockerfile"));
const stages = stagesOf(instructions);
const runtime = stages.at(-1)!;
const isExcluded = dockerignore(read(".dockerignore"));
const compose = parse(read("docker-compose.yml")) as {
  services: Record<
    string,
    {
      build?: string;
      environment?: Record<string, string>;
      volumes?: string[];
      healthcheck?: { test: string[] | string };
    }
  >;
};
const bot = compose.services["comfycord"]!;

describe("the Dockerfile", () => {
  it("builds and runs on Node 24, the runtime on the slim image", () => {
    const external = stages.filter((stage) => !stages.some((other) => other.name === stage.image));
    expect(external.length).toBeGreaterThan(0);
    for (const stage of external) expect(stage.image).toMatch(/^node:24(?:[.-]|$)/);
    expect(runtime.image).toMatch(/^node:24(?:\.\d+)*-bookworm-slim$/);
  });

  it("copies only files that exist in the repository and that .dockerignore lets into the context", () => {
    const checked: string[] = [];
    for (const stage of stages) {
      for (const { keyword, args, line } of stage.instructions) {
        if (keyword !== "COPY" && keyword !== "ADD") continue;
        const { flags, sources } = copyArgs(args);
        if (flags["from"] !== undefined) {
          const from = flags["from"];
          const index = stages.findIndex((other) => other.name === from);
          expect(index, `line ${line}: --from=${from} names an earlier stage`).toBeGreaterThanOrEqual(0);
          expect(index).toBeLessThan(stages.indexOf(stage));
          continue;
        }
        for (const source of sources) {
          const relative = path.posix.normalize(source).replace(/^\.\/?/, "") || ".";
          expect(existsSync(path.join(repoRoot, relative)), `line ${line}: ${source} exists`).toBe(true);
          expect(isExcluded(relative), `line ${line}: ${source} is excluded by .dockerignore`).toBe(false);
          if (statSync(path.join(repoRoot, relative)).isDirectory()) {
            const kept = filesUnder(relative).filter((file) => !isExcluded(file));
            expect(kept.length, `line ${line}: ${source} keeps files in the context`).toBeGreaterThan(0);
          }
          checked.push(relative);
        }
      }
    }
    expect(checked).toEqual(expect.arrayContaining(["package.json", "package-lock.json", "src", "config"]));
  });

  it("installs from the lock file", () => {
    const build = stages.find((stage) => stage.name === "build")!;
    const runs = build.instructions.filter((instruction) => instruction.keyword === "RUN").map((r) => r.args);
    expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    expect(runs.some((run) => /\bnpm install\b/.test(run))).toBe(false);
  });

  it("keeps secrets, local state and the downloaded toolchain out of the build context", () => {
    for (const file of [
      ".env",
      ".git/config",
      "node_modules/x/index.js",
      ".toolchain/node/bin/node",
      "data/x.sqlite",
    ]) {
      expect(isExcluded(file), file).toBe(true);
    }
    expect(isExcluded(".env.example")).toBe(false);
  });

  it("runs as a user that is not root", () => {
    const users = runtime.instructions.filter((instruction) => instruction.keyword === "USER");
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args.split(":")[0]!.trim();
    expect(["root", "0", ""]).not.toContain(user);
    // The user is created in that stage with a fixed, non-zero uid.
    const created = runtime.instructions.find((i) => i.keyword === "RUN" && i.args.includes(`useradd`))!;
    expect(created.args).toMatch(new RegExp(`useradd\\b.*--uid (?!0\\b)\\d+.*\\b${user}\\b`));
  });

  it("keeps DATA_DIR on a volume", () => {
    const dataDir = envOf(runtime.instructions)["DATA_DIR"];
    expect(dataDir).toBe("/data");
    const volumes = runtime.instructions
      .filter((instruction) => instruction.keyword === "VOLUME")
      .flatMap(({ args }) =>
        args.trim().startsWith("[") ? (JSON.parse(args) as string[]) : args.split(/\s+/),
      );
    expect(volumes).toContain(dataDir);
  });

  it("starts the compiled entry point of src/main.ts", () => {
    const cmd = runtime.instructions.filter((instruction) => instruction.keyword === "CMD").at(-1)!;
    const argv = JSON.parse(cmd.args) as string[];
    expect(argv[0]).toBe("node");
    expect(argv[1]).toMatch(/^dist\/.+\.js$/);
    expect(existsSync(path.join(repoRoot, argv[1]!.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")))).toBe(
      true,
    );
  });
});

describe("docker-compose.yml", () => {
  it("builds this Dockerfile and mounts folders that exist", () => {
    expect(bot.build).toBe(".");
    for (const volume of bot.volumes ?? []) {
      const source = volume.split(":")[0]!;
      if (source.startsWith(".")) expect(existsSync(path.join(repoRoot, source)), volume).toBe(true);
    }
  });

  it("keeps DATA_DIR on a volume", () => {
    const dataDir = bot.environment?.["DATA_DIR"];
    expect(dataDir).toBe("/data");
    expect((bot.volumes ?? []).map((volume) => volume.split(":")[1])).toContain(dataDir);
  });

  it("has a health check that calls /healthz on the METRICS_PORT it sets", () => {
    const test = bot.healthcheck?.test;
    expect(test).toBeDefined();
    const command = Array.isArray(test) ? test.join(" ") : test!;
    expect(command).toContain("/healthz");
    expect(command).toContain("127.0.0.1");
    expect(Number(bot.environment?.["METRICS_PORT"])).toBeGreaterThan(0);
    // The port comes from the environment the bot reads, or is the one set there.
    expect(
      command.includes("process.env.METRICS_PORT") ||
        command.includes(`:${bot.environment?.["METRICS_PORT"]}/`),
    ).toBe(true);
  });
});

describe("the .dockerignore reader used above", () => {
  it("follows Docker's rules: folders cover their contents, ! re-includes, the last match wins", () => {
    const ignored = dockerignore(
      ["node_modules", "*.log", ".env.*", "!.env.example", "docs/**/*.png"].join("\n"),
    );
    expect(ignored("node_modules/a/b.js")).toBe(true);
    expect(ignored("src/node_modules")).toBe(false);
    expect(ignored("x.log")).toBe(true);
    expect(ignored("logs/x.log")).toBe(false);
    expect(ignored(".env.local")).toBe(true);
    expect(ignored(".env.example")).toBe(false);
    expect(ignored("docs/a/b/c.png")).toBe(true);
    expect(ignored("docs/c.png")).toBe(true);
  });

  it("joins continued lines and drops comments like Docker's parser", () => {
    const parsed = parseDockerfile('# c\nFROM a AS b\nRUN x \\\n # note\n && y\n\nCMD ["z"]\n');
    expect(parsed.map((instruction) => [instruction.keyword, instruction.args])).toEqual([
      ["FROM", "a AS b"],
      ["RUN", "x && y"],
      ["CMD", '["z"]'],
    ]);
  });
});
