import { z } from "zod";
import type { ParamType } from "./param-row.js";
import { builtValueSchema, requestValueSchema } from "./param-schemas.js";
import { paramTable, type BuiltName, type ParamName } from "./param-table.js";

type TableRow = (typeof paramTable)[number];

/** The TypeScript value of a row as asked: a number, an aspect name, text. */
type AskedValue<T extends ParamType> = T extends { kind: "integer" | "number" }
  ? number
  : T extends { kind: "choice"; values: readonly (infer V extends string)[] }
    ? V
    : string;
type BuiltValue<T extends ParamType> = T extends { kind: "integer" | "number" } ? number : string;
type Field<R, V> = R extends { required: true } ? z.ZodType<V> : z.ZodOptional<z.ZodType<V>>;

type RequestShape = { [R in TableRow as R["name"]]: Field<R, AskedValue<R["type"]>> };
type BuiltShape = {
  [R in Extract<TableRow, { name: BuiltName }> as R["name"]]: Field<R, BuiltValue<R["type"]>>;
};

function shapeOf(
  rows: readonly TableRow[],
  schemaOf: (row: TableRow) => z.ZodType,
): Record<string, z.ZodType> {
  return Object.fromEntries(
    rows.map((row) => {
      const schema = schemaOf(row);
      return [row.name, "required" in row && row.required ? schema : schema.optional()];
    }),
  );
}

/**
 * What a member asked for, as they asked it: from `/generate`, a reroll or the terminal. Anything
 * left out takes the workflow's default (the seed: a random one). Derived from `paramTable`, so it
 * is the one definition of what can be asked for; unknown keys are dropped.
 */
export const generationRequestSchema = z.object(
  // The runtime shape is built from the same rows the static shape is computed from.
  shapeOf(paramTable, requestValueSchema) as RequestShape,
);
export type GenerationRequest = z.infer<typeof generationRequestSchema>;

/**
 * Every value a job's workflow gets, built and checked once at admission: the workflow's defaults
 * filled in, the seed chosen, the channel's negative prefix applied. One field per row with a
 * binding, under the row's name (`count`, bound through `batch`). Dispatch fills the graph from
 * these without building again.
 */
export const jobParamsSchema = z.object(
  shapeOf(
    paramTable.filter((row) => "binding" in row),
    (row) => builtValueSchema(row.type),
  ) as BuiltShape,
);
export type JobParams = z.infer<typeof jobParamsSchema>;

/**
 * A request as it arrives, before the schema has checked it: a value for each parameter the member
 * gave, read from Discord's options, the command line or a stored request.
 */
export type RequestInput = Partial<Record<ParamName, string | number | undefined>>;

export type RequestCheck =
  { ok: true; request: GenerationRequest } | { ok: false; param: ParamName | undefined; message: string };

/** Checks anything claiming to be a request; the message of the first problem is for the member. */
export function checkGenerationRequest(input: unknown): RequestCheck {
  const parsed = generationRequestSchema.safeParse(input);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0];
  const key = issue?.path[0];
  const param = paramTable.find((row) => row.name === key)?.name;
  const given: unknown =
    typeof input === "object" && input !== null && param ? Reflect.get(input, param) : undefined;
  const missing = param !== undefined && given === undefined;
  return {
    ok: false,
    param,
    message: missing ? `A ${param} is required.` : (issue?.message ?? "The request is not valid."),
  };
}

/** Some of the built values: a workflow's defaults. */
export const partialJobParamsSchema = jobParamsSchema.partial();
export type PartialJobParams = z.infer<typeof partialJobParamsSchema>;
