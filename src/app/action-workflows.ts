import type { Logger } from "pino";
import type { ResultActionSet } from "../presentation/result-buttons.js";
import type { WorkflowTemplate } from "../workflows/workflow-template.js";

/** The config's `actions:` block, as the bot uses it once the workflows are loaded. */
export interface ActionSettings {
  /** The image-to-image workflow: attached pictures without a workflow of their own, and Vary. */
  img2img: string | undefined;
  /** The upscale workflow: Upscale and U1…U4 (no button without one). */
  upscale: string | undefined;
  varyDenoise: number;
  maxInputBytes: number;
}

/**
 * `actions.img2img` and `actions.upscale` checked against the loaded workflows: one that did not
 * load, or that takes no input picture, would make every Vary or Upscale fail, so its action is
 * turned off (no button) and the log says why.
 */
export function actionWorkflows(
  config: {
    img2img?: string | undefined;
    upscale?: string | undefined;
    varyDenoise: number;
    maxInputBytes: number;
  },
  templates: readonly WorkflowTemplate[],
  logger: Logger,
): ActionSettings {
  const usable = (key: "img2img" | "upscale"): string | undefined => {
    const name = config[key];
    if (name === undefined) return undefined;
    const template = templates.find((candidate) => candidate.name === name);
    if (!template) {
      logger.error(
        { workflow: name },
        `actions.${key}: the workflow "${name}" did not load; its buttons are off`,
      );
      return undefined;
    }
    if (!template.offers("image")) {
      logger.error(
        { workflow: name },
        `actions.${key}: the workflow "${name}" takes no input picture (no LoadImage, or bind "image"); its buttons are off`,
      );
      return undefined;
    }
    return name;
  };
  return {
    img2img: usable("img2img"),
    upscale: usable("upscale"),
    varyDenoise: config.varyDenoise,
    maxInputBytes: config.maxInputBytes,
  };
}

/**
 * The buttons a job's result offers: Reroll where its workflow takes a seed, Remix where it takes
 * a prompt, Vary and Upscale where those workflows are configured (no Upscale on an upscale).
 */
export function resultActionsFor(
  job: { workflow: string },
  templates: readonly WorkflowTemplate[],
  actions: Pick<ActionSettings, "img2img" | "upscale">,
): ResultActionSet {
  const template = templates.find((candidate) => candidate.name === job.workflow);
  return {
    reroll: template?.offers("seed") ?? false,
    remix: template?.offers("prompt") ?? false,
    vary: actions.img2img !== undefined,
    upscale: actions.upscale !== undefined && job.workflow !== actions.upscale,
  };
}
