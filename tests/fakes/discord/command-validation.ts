import { DiscordApiError, invalidFormBody } from "./discord-api-error.js";
import type { Json } from "./guild-payloads.js";

const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkName(value: unknown, path: string[]): void {
  if (typeof value !== "string" || value.length < 1 || value.length > 32) {
    throw invalidFormBody([...path, "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.");
  }
  if (!NAME.test(value) || value !== value.toLowerCase()) {
    throw invalidFormBody([...path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid");
  }
}

function checkDescription(value: unknown, path: string[]): void {
  if (typeof value !== "string" || value.length < 1 || value.length > 100) {
    throw invalidFormBody(
      [...path, "description"],
      "BASE_TYPE_BAD_LENGTH",
      "Must be between 1 and 100 in length.",
    );
  }
}

function checkRange(option: Json, key: string, min: number, max: number, path: string[]): void {
  const value = option[key];
  if (value === undefined) return;
  if (typeof value !== "number" || value < min || value > max) {
    throw invalidFormBody(
      [...path, key],
      "NUMBER_TYPE_MAX",
      `int value should be between ${min} and ${max}.`,
    );
  }
}

function checkOptions(options: unknown, path: string[]): void {
  if (options === undefined) return;
  if (!Array.isArray(options))
    throw invalidFormBody(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType");
  const list = options as unknown[];
  if (list.length > 25) throw invalidFormBody(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
  let sawOptional = false;
  const names = new Set<string>();
  for (const [i, raw] of list.entries()) {
    const at = [...path, String(i)];
    if (!isRecord(raw))
      throw invalidFormBody(at, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
    checkName(raw["name"], at);
    checkDescription(raw["description"], at);
    const name = String(raw["name"]);
    if (names.has(name)) {
      throw invalidFormBody(
        at,
        "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
        "Option names must be unique",
      );
    }
    names.add(name);
    const type = raw["type"];
    if (typeof type !== "number" || type < 1 || type > 11) {
      throw invalidFormBody([...at, "type"], "BASE_TYPE_CHOICES", "Value must be one of {1, ..., 11}.");
    }
    if (type === 1 || type === 2) {
      checkOptions(raw["options"], [...at, "options"]);
      continue;
    }
    if (raw["required"] === true && sawOptional) {
      throw invalidFormBody(
        at,
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
        "Required options must be placed before non-required options",
      );
    }
    if (raw["required"] !== true) sawOptional = true;
    checkRange(raw, "min_length", 0, 6000, at);
    checkRange(raw, "max_length", 1, 6000, at);
    const choices = raw["choices"];
    if (Array.isArray(choices) && choices.length > 25) {
      throw invalidFormBody([...at, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
    }
  }
}

/** Rejects a command definition the way Discord does (400/50035 with the offending field path). */
export function validateCommand(command: unknown, path: string[]): Json {
  if (!isRecord(command)) throw new DiscordApiError("invalidFormBody");
  const type = typeof command["type"] === "number" ? command["type"] : 1;
  checkName(command["name"], path);
  if (type === 1) checkDescription(command["description"], path);
  checkOptions(command["options"], [...path, "options"]);
  return command;
}
