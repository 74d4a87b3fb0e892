import { createRequire } from "node:module";
import { pino, type Logger, type LoggerOptions } from "pino";
import { serializeError } from "./serialize-error.js";

/** Paths pino replaces with "[redacted]" wherever a token could end up in a log line. */
export const redactPaths = [
  "token",
  "*.token",
  "*.*.token",
  "DISCORD_TOKEN",
  "*.DISCORD_TOKEN",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  "*.*.headers.authorization",
  "headers.authorization",
  "*.Authorization",
  "*.headers.Authorization",
  // Interaction tokens: stored with jobs and their messages, valid for 15 minutes.
  "interactionToken",
  "*.interactionToken",
  "*.*.interactionToken",
  "*.messages[*].interactionToken",
];

export interface LoggerSettings {
  level: string;
  /** Human-readable lines for `npm run dev` and the CLI; JSON otherwise. */
  pretty?: boolean;
  /** Where lines go; tests pass an in-memory stream. Defaults to stdout. */
  destination?: NodeJS.WritableStream;
}

/** The root logger; modules get `logger.child({ module })`. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    redact: { paths: redactPaths, censor: "[redacted]" },
    serializers: { err: serializeError },
    base: { app: "comfycord" },
  };
  if (settings.pretty && prettyInstalled()) {
    options.transport = { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss" } };
    return pino(options);
  }
  const logger = settings.destination ? pino(options, settings.destination) : pino(options);
  if (settings.pretty) {
    logger.warn(
      "pretty logs need pino-pretty, a dev dependency this install does not have (npm ci --omit=dev): writing JSON lines",
    );
  }
  return logger;
}

/** pino-pretty is a dev dependency: a production install (`npm ci --omit=dev`, the image) lacks it. */
function prettyInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}
