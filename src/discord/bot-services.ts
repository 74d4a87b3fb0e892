import type { Logger } from "pino";
import type { ActionSettings } from "../app/action-workflows.js";
import type { GenerationService } from "../app/generation-service.js";
import type { ResultStore } from "../history/result-store.js";
import type { SettingsRepository } from "../moderation/settings-repository.js";
import type { InputSpool } from "../queue/input-spool.js";
import type { QueuePort } from "../queue/queue-port.js";
import type { JobMessages } from "./job-messages.js";
import type { MessageTransport } from "./message-transport.js";
import type { ParamName } from "../request/param-table.js";
import type { PresetChoice, PresetQuery } from "../presets/preset-choices.js";

/** One GPU host as `/queue` shows it. */
export interface HostStatus {
  /** The backend id, from the host's address: for logs, never shown to members. */
  id: string;
  /** What members see (`COMFY_URL=<label>=<url>`, else `gpu-<n>`). */
  label: string;
  online: boolean;
  inFlight: number;
  lastError?: string | undefined;
}

/** What command and reaction handlers may use; built once in `startDiscordBot`. */
export interface BotServices {
  generation: GenerationService;
  queue: QueuePort;
  jobMessages: JobMessages;
  transport: MessageTransport;
  settings: SettingsRepository;
  results: ResultStore;
  /** Pictures jobs start from: attachments and results to vary or upscale are kept here first. */
  inputs: InputSpool;
  /** The result buttons' and attached pictures' workflows and limits (`actions:`). */
  actions: ActionSettings;
  /** Whether a picture URL is on Discord's CDN (the only place the bot downloads from). */
  trustedCdn: (url: string) => boolean;
  hosts: () => HostStatus[];
  /** A backend id (e.g. a job's `run.backend`) as members may see it: the host's label. */
  hostLabel: (backendId: string) => string;
  /** The names the hosts offer for a parameter of a workflow, or of any workflow (autocomplete). */
  paramChoices: (name: ParamName, workflow: string | undefined) => string[];
  /** The styles or LoRAs a member may pick here, for what they typed so far (autocomplete). */
  presetChoices: (kind: "styles" | "loras", query: PresetQuery) => PresetChoice[];
  logger: Logger;
  retentionDays: number;
  /** How long `npm run backup` keeps its copies: told to members who ask to be forgotten. */
  backupDays: number;
  now: () => number;
}
