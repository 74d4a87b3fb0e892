import type { SettingKey } from "./settings-schema.js";

/** How `/settings set` reads a value typed by a moderator. */
export type SettingKind = "boolean" | "enum" | "int" | "text" | "list" | "terms" | "channel" | "roleGrants";

export interface SettingHelp {
  key: SettingKey;
  kind: SettingKind;
  description: string;
  /** The accepted format, in words a moderator understands. */
  format: string;
  example: string;
  /** "key: description. Format: … Example: …", for autocomplete and `/settings show`. */
  line: string;
}

type Spec = Omit<SettingHelp, "key" | "line">;

const specs: Record<SettingKey, Spec> = {
  enabled: {
    kind: "boolean",
    description: "Whether /generate works here",
    format: "yes or no",
    example: "no",
  },
  nsfw: {
    kind: "enum",
    description:
      "NSFW output: off, follow-channel (only in age-restricted channels), on (everywhere; Discord expects NSFW only in age-restricted channels)",
    format: "off, follow-channel or on",
    example: "follow-channel",
  },
  bannedTerms: {
    kind: "terms",
    description: "Words refused in prompts (whole words; /regex/ for patterns); lists add up across levels",
    format: 'terms separated by commas, /pattern/flags for a regex, "none" for an empty list',
    example: "gore, /\\bblood(y|bath)\\b/",
  },
  negativePrefix: {
    kind: "text",
    description: "Text put before every negative prompt",
    format: "text up to 1000 characters",
    example: "lowres, watermark",
  },
  sfwNegative: {
    kind: "text",
    description: "Text added to the negative prompt where NSFW is not allowed",
    format: "text up to 1000 characters",
    example: "nsfw, nude, explicit",
  },
  maxSteps: { kind: "int", description: "Most sampling steps per image", format: "", example: "40" },
  maxWidth: { kind: "int", description: "Widest image in pixels", format: "", example: "1536" },
  maxHeight: { kind: "int", description: "Tallest image in pixels", format: "", example: "1536" },
  maxPixels: {
    kind: "int",
    description: "Most pixels per image (width × height)",
    format: "",
    example: "1024x1024",
  },
  maxCount: { kind: "int", description: "Most images per request", format: "", example: "2" },
  workflows: {
    kind: "list",
    description: "Workflows allowed here",
    format: 'names separated by commas, "all" for every workflow',
    example: "sdxl, flux",
  },
  models: {
    kind: "list",
    description: "Models allowed here",
    format: 'names separated by commas, "all" for every model',
    example: "sd_xl_base_1.0.safetensors",
  },
  styles: {
    kind: "list",
    description: "Styles members may pick here (the operator's styles)",
    format: 'names separated by commas, "all" for every style',
    example: "watercolor, anime",
  },
  previews: {
    kind: "boolean",
    description: "Show previews while generating",
    format: "yes or no",
    example: "no",
  },
  spoilerResults: {
    kind: "boolean",
    description: "Attach results as spoilers",
    format: "yes or no",
    example: "yes",
  },
  rerollBy: {
    kind: "enum",
    description: "Who may reroll, vary, upscale or remix someone else's result (🎲 and the buttons)",
    format: "owner or anyone",
    example: "owner",
  },
  imageInput: {
    kind: "boolean",
    description: "Members may attach an image to /generate to start from",
    format: "yes or no",
    example: "no",
  },
  jobsPerWindow: { kind: "int", description: "Jobs a member may start per window", format: "", example: "5" },
  windowSeconds: {
    kind: "int",
    description: "Length of the rate-limit window in seconds",
    format: "",
    example: "60",
  },
  maxQueuedPerUser: {
    kind: "int",
    description: "Jobs a member may have waiting or running at once",
    format: "",
    example: "3",
  },
  roleGrants: {
    kind: "roleGrants",
    description: "Higher limits or priority for roles (the largest grant wins)",
    format:
      'role:key=value,… with keys jobsPerWindow, maxQueuedPerUser, priority; several roles separated by ";"; "none" for no grants',
    example: "123456789012345678:jobsPerWindow=10,maxQueuedPerUser=5,priority",
  },
  modLogChannel: {
    kind: "channel",
    description: "Text channel of this server that receives moderation events",
    format: "a channel mention or id",
    example: "<#123456789012345678>",
  },
};

/** The format of a whole-number key, from its bounds. */
export function intFormat(min: number, max: number): string {
  return `a whole number from ${min} to ${max}`;
}

export function buildSettingHelp(
  intBounds: (key: SettingKey) => { min: number; max: number },
): Record<SettingKey, SettingHelp> {
  const entries = (Object.keys(specs) as SettingKey[]).map((key): [SettingKey, SettingHelp] => {
    const spec = specs[key];
    let format = spec.format;
    if (spec.kind === "int") {
      const { min, max } = intBounds(key);
      format = intFormat(min, max) + (key === "maxPixels" ? ", or WIDTHxHEIGHT" : "");
    }
    const line = `${key}: ${spec.description}. Format: ${format}. Example: ${spec.example}`;
    return [key, { key, ...spec, format, line }];
  });
  return Object.fromEntries(entries) as Record<SettingKey, SettingHelp>;
}
