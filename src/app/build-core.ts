import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { BackendPool } from "../comfy/backend-pool.js";
import { ComfyBackend } from "../comfy/comfy-backend.js";
import type { AppConfig } from "../config/load-config.js";
import type { ResultStore } from "../history/result-store.js";
import { operatorCeilings } from "../moderation/ceilings.js";
import { botSettingsDefaults } from "../moderation/effective-settings.js";
import { SettingsRepository } from "../moderation/settings-repository.js";
import { ComfyDispatcher } from "../dispatch/comfy-dispatcher.js";
import type { InputSpool } from "../queue/input-spool.js";
import type { QueuePort } from "../queue/queue-port.js";
import type { ScaleNode } from "../scale/scale-node.js";
import { RedisStorage } from "../storage/redis/redis-storage.js";
import type { Storage } from "../storage/storage.js";
import { loadWorkflows } from "../workflows/load-workflows.js";
import { paramChoices } from "../workflows/param-choices.js";
import type { ParamName } from "../request/param-table.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";
import { backendIds } from "../comfy/backend-labels.js";
import { withoutCredentials } from "../comfy/comfy-endpoint.js";
import { actionWorkflows, type ActionSettings } from "./action-workflows.js";
import { buildQueue } from "./build-queue.js";
import { GenerationService } from "./generation-service.js";
import { recheckAtDispatch } from "../dispatch/recheck-at-dispatch.js";
import { fitDefaultsToLimits } from "../workflows/fit-defaults-to-limits.js";
import { WorkflowValidity } from "../workflows/workflow-validity.js";
import { LoraInstallReport } from "../presets/lora-install-report.js";
import type { Presets } from "../presets/presets.js";
import { checkPresets } from "../presets/check-presets.js";
import { presetChoices, type PresetChoice, type PresetQuery } from "../presets/preset-choices.js";

/** Everything but Discord: shared by the bot, `npm run generate` and `npm run doctor`. */
export interface Core {
  templates: WorkflowTemplate[];
  /** The operator's styles and LoRAs (`styles[]`, `loras[]`). */
  presets: Presets;
  workflowProblems: string[];
  pool: BackendPool;
  /**
   * What members see for a host: its operator label by backend id (the id, from the address, is
   * for logs and stored jobs only).
   */
  hostLabels: ReadonlyMap<string, string>;
  validity: WorkflowValidity;
  /** `JobQueue` on a store of its own; `SharedQueue` when processes share Redis. */
  queue: QueuePort;
  /**
   * On Redis, this process among the bot processes sharing it: the conductor lease (only its
   * holder dispatches to ComfyUI), for `/healthz`. Undefined on SQLite.
   */
  scale: ScaleNode | undefined;
  settings: SettingsRepository;
  generation: GenerationService;
  results: ResultStore;
  /** Pictures jobs start from (`Storage.inputs`). */
  inputs: InputSpool;
  /** The result buttons' and attached pictures' workflows and limits (`actions:`). */
  actions: ActionSettings;
  /** The names the connected hosts offer for a parameter of a workflow, or of any (autocomplete). */
  paramChoices: (name: ParamName, workflow: string | undefined) => string[];
  /** The styles or LoRAs a member may pick, for what they typed (autocomplete). */
  presetChoices: (kind: "styles" | "loras", query: PresetQuery) => PresetChoice[];
  /**
   * Connects the hosts and recovers unfinished jobs. Separate from building so subscribers
   * (the Discord layer) are listening before recovery delivers anything.
   */
  start: () => Promise<void>;
  /**
   * Stops admitting, lets running prompts finish up to the grace period, closes the hosts. On
   * Redis a conductor hands its lease over at once instead: the next one follows the prompts.
   */
  close: (graceMs?: number) => Promise<void>;
  /** Resolves when nothing waits and nothing runs (of the jobs this process shows). */
  onIdle: () => Promise<void>;
}

export interface BuildCoreOptions {
  config: AppConfig;
  storage: Storage;
  logger: Logger;
  now?: () => number;
  /** Requests that did not become jobs (refused by policy or limits), for metrics. */
  onDecline?: (outcome: "refused" | "rate_limited") => void;
}

/** Builds the core; `start()` then connects the hosts (or keeps retrying) and recovers unfinished jobs. */
export async function buildCore({
  config,
  storage,
  logger,
  now = Date.now,
  onDecline,
}: BuildCoreOptions): Promise<Core> {
  const { file, env } = config;
  const loaded = await loadWorkflows(file.workflows, config.configDir, logger.child({ module: "workflows" }));
  const ownSettings = { settings: file.settings, rateLimit: file.rateLimit };
  const botDefaults = botSettingsDefaults(ownSettings);
  // A workflow default above the bot-wide limits is lowered here, once, instead of refusing members.
  const fitted = fitDefaultsToLimits(loaded.templates, botDefaults);
  for (const { workflow, message, fix } of fitted.lowered) {
    logger.warn({ module: "workflows", workflow }, `workflow "${workflow}": ${message} (fix: ${fix})`);
  }
  const templates = fitted.templates;
  const workflowProblems = loaded.problems.map((problem) => problem.message);
  for (const message of workflowProblems) logger.error({ module: "workflows" }, message);
  if (templates.length === 0) {
    logger.error("no usable workflow: /generate will refuse every request until config/bot.yaml lists one");
  }

  // A client id per host that survives restarts, so a restarted bot can recognise its prompts.
  const { meta } = storage;
  const ids = backendIds(env.COMFY_URL.map((host) => host.url));
  const hostLabels = new Map<string, string>();
  const backends: ComfyBackend[] = [];
  for (const [index, { url, label }] of env.COMFY_URL.entries()) {
    const id = ids[index]!;
    hostLabels.set(id, label);
    // Keyed by the URL without credentials: a password never lands in the data file, and changing it
    // keeps the host's client id.
    const hostKey = withoutCredentials(url);
    const key = `comfy-client-id:${hostKey}`;
    let clientId = await meta.get(key);
    if (!clientId) {
      clientId = randomUUID();
      await meta.set(key, clientId);
    }
    const lastKey = `comfy-last-client-id:${hostKey}`;
    // Processes sharing Redis share these records: resuming another live process's socket id would
    // take its progress messages. A conductor that takes over follows prompts by id over HTTP.
    const resumeClientId = storage instanceof RedisStorage ? undefined : await meta.get(lastKey);
    const backend = new ComfyBackend({
      id,
      url,
      clientId,
      resumeClientId,
      logger: logger.child({ module: "comfy", backend: id }),
      maxOutputBytes: file.comfy.maxOutputBytes,
      maxOutputsPerJob: file.comfy.maxOutputsPerJob,
      maxOutputBytesPerJob: file.comfy.maxOutputBytesPerJob,
      maxJsonBytes: file.comfy.maxJsonBytes,
      maxFrameBytes: file.comfy.maxFrameBytes,
      timeouts: {
        startMs: file.comfy.timeouts.startSeconds * 1000,
        nodeInactivityMs: file.comfy.timeouts.nodeInactivitySeconds * 1000,
        overallMs: file.comfy.timeouts.overallSeconds * 1000,
      },
      pingIntervalMs: file.comfy.pingIntervalSeconds * 1000,
      pongTimeoutMs: file.comfy.pongTimeoutSeconds * 1000,
      now,
    });
    backend.on("connected", ({ clientId: current }) => {
      meta
        .set(lastKey, current)
        .catch((error: unknown) => logger.warn({ err: error }, "could not save the ComfyUI client id"));
    });
    backends.push(backend);
  }
  const pool = new BackendPool({
    backends,
    logger: logger.child({ module: "pool" }),
    breakerFailures: file.comfy.breakerFailures,
    breakerCooldownMs: file.comfy.breakerCooldownSeconds * 1000,
    now,
  });
  const validity = new WorkflowValidity(templates, logger.child({ module: "workflows" }));
  const presets: Presets = { styles: file.styles, loras: file.loras };
  for (const { message, fix } of checkPresets(presets, templates, botDefaults)) {
    logger.warn({ module: "presets" }, `${message} (fix: ${fix})`);
  }
  const loraReport = new LoraInstallReport(presets.loras, logger.child({ module: "presets" }));
  for (const backend of backends) {
    backend.on("objectInfo", (info) => {
      validity.check(backend.id, info);
      loraReport.check(backend.id, info);
    });
    backend.on("health", (health) => {
      logger.info(
        { backend: backend.id, online: health.online, lastError: health.lastError },
        "ComfyUI host health",
      );
    });
  }

  const settings = new SettingsRepository(
    storage.settings,
    botDefaults,
    operatorCeilings({ ...ownSettings, ceilings: file.ceilings }),
  );
  const dispatcher = new ComfyDispatcher({
    pool,
    templates: new Map(templates.map((template) => [template.name, template])),
    logger: logger.child({ module: "dispatch" }),
    recheck: (job) => recheckAtDispatch(job, settings),
    inputs: storage.inputs,
  });
  const built = buildQueue({
    storage,
    dispatcher,
    inFlight: () => Object.fromEntries(backends.map((backend) => [backend.id, backend.inFlight])),
    limits: file.queue,
    env,
    logger: logger.child({ module: "queue" }),
    now,
  });
  const { queue } = built;
  const actions = actionWorkflows(file.actions, templates, logger.child({ module: "workflows" }));
  const generation = new GenerationService({
    img2img: actions.img2img,
    templates,
    settings,
    queue,
    objectInfoFor: (template) => validity.objectInfoFor(template.name),
    hostInfosFor: (template) => validity.objectInfosFor(template.name),
    presets,
    logger: logger.child({ module: "generate" }),
    logPrompts: file.logging.prompts,
    ...(onDecline ? { onDecline } : {}),
  });

  const choicesFor = (name: ParamName, workflow: string | undefined): string[] => {
    const names = new Set<string>();
    const chosen = templates.filter((template) => workflow === undefined || template.name === workflow);
    for (const info of validity.infos()) {
      for (const template of chosen)
        for (const choice of paramChoices(template, info, name) ?? []) names.add(choice);
    }
    return [...names].sort();
  };

  return {
    templates,
    presets,
    workflowProblems,
    pool,
    hostLabels,
    validity,
    queue,
    scale: built.scale,
    settings,
    generation,
    results: storage.results,
    inputs: storage.inputs,
    actions,
    paramChoices: choicesFor,
    presetChoices: (kind, query) =>
      presetChoices(
        { presets, templates, hostInfosFor: (template) => validity.objectInfosFor(template.name) },
        kind,
        query,
      ),
    start: async () => {
      // Hosts report `/object_info` through the "objectInfo" event, which checks the workflows.
      await pool.start();
      await built.start();
    },
    close: async (graceMs = file.queue.shutdownGraceSeconds * 1000) => {
      await built.close(graceMs);
      await pool.stop();
    },
    onIdle: built.onIdle,
  };
}
