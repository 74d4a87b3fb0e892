import { commandRegistry } from "../commands/registry.js";
import { registerNow, type RegisterContext } from "../discord/register-now.js";

/** `comfycord register`: sends the bot's slash commands to Discord now, even when unchanged. */
export async function runRegisterCommand(ctx: Omit<RegisterContext, "commands">): Promise<number> {
  return registerNow({ ...ctx, commands: commandRegistry });
}
