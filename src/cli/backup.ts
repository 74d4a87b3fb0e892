/** `npm run backup -- [--out file]`: a consistent copy of the bot's SQLite file, safe while it runs. */
import { runBackupCommand } from "../ops/backup-command.js";

process.exitCode = await runBackupCommand({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  io: { print: (line) => console.log(line), printError: (line) => console.error(line) },
});
