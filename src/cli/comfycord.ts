#!/usr/bin/env node
/**
 * The `comfycord` operator command:
 * `comfycord <doctor|generate|register|simulator|backup|restore|forget|migrate-store> [...]`.
 * Each subcommand is the same code as its `npm run` script, with `.env` read the way the bot reads it.
 */
import path from "node:path";
import { withEnvFile } from "../config/env-file.js";
import type { CommandIo } from "./operator-command.js";

const usage = `Usage: comfycord <command> [options]
  doctor      check the configuration, Discord, the ComfyUI hosts, the workflows and the store
  generate    generate "a prompt" [--workflow x --seed n --steps n --out file.png]: one image, no Discord
  register    register the slash commands now
  simulator   run a ComfyUI simulator (no GPU) [--port 8188 ...]
  backup      copy the bot's SQLite file [--out file]
  restore     put a backup back (the bot must be stopped) <file>
  forget      delete what the bot keeps about a member <user id>
  migrate-store  copy the data between SQLite and Redis --from <store> --to <store> [--force]
Run "comfycord <command> --help" for its options.`;

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  const cwd = process.cwd();
  const env = withEnvFile(process.env, path.join(cwd, ".env"));
  const io: CommandIo = { print: (line) => console.log(line), printError: (line) => console.error(line) };
  switch (command) {
    case "doctor":
      return (await import("./doctor/run-doctor.js")).runDoctor({
        env,
        cwd,
        out: (line) => io.print(line),
        color: process.stdout.isTTY && !env["NO_COLOR"],
      });
    case "generate": {
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      return (await import("./generate-command.js")).runGenerate({
        argv: args,
        env,
        cwd,
        io,
        signal: controller.signal,
        progress: {
          isTTY: process.stderr.isTTY,
          columns: process.stderr.columns,
          write: (text) => process.stderr.write(text),
        },
      });
    }
    case "register":
      return (await import("./register-command.js")).runRegisterCommand({ env, cwd, io });
    case "backup":
      return (await import("./backup-command.js")).runBackupCommand({
        argv: args,
        env: process.env,
        cwd,
        io,
      });
    case "restore":
      return (await import("./restore-command.js")).runRestoreCommand({
        argv: args,
        env: process.env,
        cwd,
        io,
      });
    case "forget":
      return (await import("./forget-command.js")).runForgetCommand({
        argv: args,
        env: process.env,
        cwd,
        io,
      });
    case "migrate-store":
      return (await import("./migrate-store-command.js")).runMigrateStoreCommand({
        argv: args,
        env,
        cwd,
        io,
      });
    case "simulator":
      return (await import("./simulator-command.js")).runSimulatorCommand(args);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.print(usage);
      return command === undefined ? 2 : 0;
    default:
      io.printError(`Unknown command "${command}".\n${usage}`);
      return 2;
  }
}

process.exitCode = await main();
