/**
 * The one table of defaults. Every key an operator can set in `config/bot.yaml`
 * has its default here, so the schema, the example file and the README agree.
 */
export const defaults = {
  rateLimit: {
    /** Jobs a user may start per window (rerolls count). */
    jobsPerWindow: 5,
    windowSeconds: 60,
    /** Jobs a user may have waiting or running at once. */
    maxQueuedPerUser: 3,
  },
  queue: {
    /** Jobs waiting across every user; admissions past this answer "queue full". */
    maxSize: 200,
    /**
     * Jobs waiting from one server: with several servers on one bot, no server can fill the
     * whole queue. Servers also take turns, so this only bounds how long the line gets.
     */
    maxPerGuild: 100,
    /** How many times a job lost by a ComfyUI restart is put back in the queue. */
    maxRequeues: 1,
    /** On SIGTERM, how long running prompts may take to finish before the bot exits. */
    shutdownGraceSeconds: 30,
  },
  comfy: {
    /** Largest output image the bot downloads from `/view`. */
    maxOutputBytes: 50 * 1024 * 1024,
    /** Most images one job may produce; a workflow saving more fails instead of filling memory. */
    maxOutputsPerJob: 32,
    /** All of one job's images together; they are held in memory until delivered. */
    maxOutputBytesPerJob: 256 * 1024 * 1024,
    /**
     * Largest JSON answer read from ComfyUI. `/object_info` is the big one: tens of MiB on hosts with
     * many custom nodes and long model lists.
     */
    maxJsonBytes: 64 * 1024 * 1024,
    /**
     * Largest socket frame. Previews are binary frames: full-size PNG previews of large images run
     * to several MiB, so this leaves room for them while refusing a runaway frame.
     */
    maxFrameBytes: 16 * 1024 * 1024,
    /** WebSocket ping interval; a missing pong within `pongTimeoutSeconds` drops the socket. */
    pingIntervalSeconds: 15,
    pongTimeoutSeconds: 10,
    timeouts: {
      /** From submission until ComfyUI starts the prompt while it is first in line. */
      startSeconds: 120,
      /** Silence allowed inside one node; generous because model loads are slow. */
      nodeInactivitySeconds: 300,
      /** Whole-job ceiling. */
      overallSeconds: 1800,
    },
    /** Circuit breaker: failures in a row before a backend is skipped, and for how long. */
    breakerFailures: 3,
    breakerCooldownSeconds: 30,
  },
  settings: {
    enabled: true,
    nsfw: "follow-channel" as "off" | "follow-channel" | "on",
    bannedTerms: [] as string[],
    negativePrefix: "",
    maxSteps: 50,
    maxWidth: 2048,
    maxHeight: 2048,
    maxPixels: 2048 * 2048,
    maxCount: 4,
    previews: true,
    spoilerResults: false,
    rerollBy: "anyone" as "owner" | "anyone",
    imageInput: true,
  },
  /**
   * The operator's ceilings on the per-channel limits: `/settings` may lower a limit, never raise
   * it past these (a channel could otherwise fill the shared queue or the GPUs). Each one is at
   * least the bot's own default for that limit (`settings:`, `rateLimit:`), so an operator who
   * raised those keeps them.
   */
  ceilings: {
    jobsPerWindow: 20,
    maxQueuedPerUser: 10,
    maxSteps: 150,
    maxWidth: 4096,
    maxHeight: 4096,
    maxPixels: 4096 * 4096,
    maxCount: 8,
    /** A floor, not a ceiling: a shorter window lets more jobs through. At most the bot's own default. */
    minWindowSeconds: 30,
  },
  discord: {
    /** Minimum time between two edits of one progress message. */
    editIntervalMs: 1250,
    /** Edits per second shared by every progress message in one channel. */
    channelEditsPerSecond: 4,
    /**
     * How long a finished image is retried while Discord fails (5xx, network) before it waits for
     * the next start; its files stay in DATA_DIR/outputs until it is posted.
     */
    deliveryRetrySeconds: 600,
  },
  /** The result buttons and image input (issue 15). */
  actions: {
    /** How far Vary may move from the result (0 keeps it, 1 ignores it). */
    varyDenoise: 0.55,
    /** Largest picture downloaded from Discord: an attachment, or a result to vary or upscale. */
    maxInputBytes: 10 * 1024 * 1024,
  },
  retention: {
    /** Finished jobs and the reroll index are kept this long. */
    days: 30,
  },
  logging: {
    /** Prompt text appears in logs at info level only when this is true. */
    prompts: false,
  },
  metrics: {
    /** Interface the optional metrics listener binds to (`METRICS_PORT` turns it on). */
    host: "127.0.0.1",
  },
} as const;

export const envDefaults = {
  DISCORD_API_URL: "https://discord.com/api",
  COMFY_URL: "http://127.0.0.1:8188",
  DATA_DIR: "./data",
  CONFIG_FILE: "config/bot.yaml",
  LOG_LEVEL: "info",
} as const;
