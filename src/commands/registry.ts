import type { CommandRecord } from "../discord/command-record.js";
import { cancelCommand } from "./cancel.js";
import { forgetMeCommand } from "./forget-me.js";
import { generateCommand } from "./generate.js";
import { historyCommand } from "./history.js";
import { historyOfCommand } from "./history-of.js";
import { queueCommand } from "./queue.js";
import { settingsCommand } from "./settings.js";

/**
 * Every slash command the bot offers, in the order Discord lists them. The interaction router
 * and the registration (the bot at start-up, `comfycord register`) both read this list.
 */
export const commandRegistry: readonly CommandRecord[] = [
  generateCommand,
  queueCommand,
  cancelCommand,
  settingsCommand,
  historyCommand,
  historyOfCommand,
  forgetMeCommand,
];
