import { z } from "zod";
import type { ParamRow, ParamType } from "./param-row.js";

/**
 * The zod schema of what a member may ask for in one row: its type and range, with messages
 * written for the member ("Steps must be a whole number from 1 to 500.").
 */
export function requestValueSchema(row: ParamRow): z.ZodType {
  const name = capitalise(row.label);
  const type = row.type;
  switch (type.kind) {
    case "text": {
      const tooLong = `The ${row.label} is longer than ${type.maxLength} characters.`;
      const text = z
        .string({ error: `The ${row.label} must be text.` })
        .max(type.maxLength, { error: tooLong });
      return row.required
        ? text.refine((value) => value.trim() !== "", { error: `The ${row.label} is empty.` })
        : text;
    }
    case "name":
      return z
        .string({ error: `${name} must be a name.` })
        .min(1, { error: `${name} must not be empty.` })
        .max(type.maxLength, { error: `${name} is longer than ${type.maxLength} characters.` });
    case "choice":
      return z.enum(type.values, {
        error: (issue) =>
          `Unknown ${row.label} "${String(issue.input)}"; choose one of: ${type.values.join(", ")}.`,
      });
    case "integer": {
      const range = `${name} must be a whole number from ${type.min} to ${type.max}.`;
      const whole = z.int({ error: range }).min(type.min, { error: range }).max(type.max, { error: range });
      return type.multipleOf === undefined
        ? whole
        : whole.multipleOf(type.multipleOf, {
            error: (issue) => `${name} ${String(issue.input)} must be a multiple of ${type.multipleOf}.`,
          });
    }
    case "number": {
      const range = `${name} must be a number from ${type.min} to ${type.max}.`;
      return z.number({ error: range }).min(type.min, { error: range }).max(type.max, { error: range });
    }
    case "image":
      // The bot's reference to a stored picture, never typed by a member.
      return z
        .string({ error: `The ${row.label} is missing.` })
        .min(1, { error: `The ${row.label} is missing.` })
        .max(1000, { error: `The ${row.label} reference is too long.` });
  }
}

/**
 * A built value: the type only. The range is not repeated here: a workflow's own default may lie
 * outside what a member may type, and a stored job must read back whatever it was built with.
 */
export function builtValueSchema(type: ParamType): z.ZodType {
  switch (type.kind) {
    case "text":
    case "name":
    case "choice":
    case "image":
      return z.string();
    case "integer":
      return z.int();
    case "number":
      return z.number();
  }
}

/**
 * A workflow's `defaults.<binding>` (or a style's `params.<name>`) in the config: what a member
 * could ask for, so an operator's default is never a value the bot would refuse from a member.
 */
export function configDefaultSchema(row: ParamRow): z.ZodType {
  const type = row.type;
  switch (type.kind) {
    case "text":
    case "name":
      return z.string();
    case "choice":
      // No bound row is a choice today; a style's `params.aspect` is.
      return z.enum(type.values, { error: `expected one of: ${type.values.join(", ")}` });
    case "integer":
      return z
        .int({ error: wholeBetween(type) })
        .min(type.min, { error: wholeBetween(type) })
        .max(type.max, {
          error: wholeBetween(type),
        });
    case "number": {
      const error = `expected a number from ${type.min} to ${type.max}`;
      return z.number({ error }).min(type.min, { error }).max(type.max, { error });
    }
    case "image":
      // Not a `defaults` key (see isDefaultable); kept total for the switch.
      return z.never({ error: "an input image has no default: each job brings its own" });
  }
}

/** What a value of this kind is as JSON, for checking a literal in a workflow graph. */
export function jsonKindOf(type: ParamType): "string" | "integer" | "number" {
  switch (type.kind) {
    case "text":
    case "name":
    case "choice":
    case "image":
      return "string";
    case "integer":
      return "integer";
    case "number":
      return "number";
  }
}

function wholeBetween(type: { min: number; max: number }): string {
  return `expected a whole number from ${type.min} to ${type.max}`;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
