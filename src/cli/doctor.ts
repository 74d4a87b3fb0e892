/** `npm run doctor`: checks the configuration, Discord, ComfyUI, the workflows and DATA_DIR. */
import path from "node:path";
import { withEnvFile } from "../config/env-file.js";
import { runDoctor } from "./doctor/run-doctor.js";

process.exitCode = await runDoctor({
  env: withEnvFile(process.env, path.join(process.cwd(), ".env")),
  cwd: process.cwd(),
  out: (line) => console.log(line),
  color: process.stdout.isTTY && !process.env["NO_COLOR"],
});
