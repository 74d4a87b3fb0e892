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
  if (settings.pretty) {
    options.transport = { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss" } };
    return pino(options);
  }
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
