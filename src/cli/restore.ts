/** `npm run restore -- <file>`: puts a backup back in DATA_DIR; the bot must be stopped. */
import { runRestoreCommand } from "../ops/restore-command.js";

process.exitCode = await runRestoreCommand({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  io: { print: (line) => console.log(line), printError: (line) => console.error(line) },
});
