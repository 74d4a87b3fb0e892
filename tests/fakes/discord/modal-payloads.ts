import { invalidFormBody } from "./discord-api-error.js";
import type { Json } from "./guild-payloads.js";

/** Component types a modal may hold, as Discord numbers them. */
const ComponentType = { actionRow: 1, textInput: 4, textDisplay: 10, label: 18 } as const;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value as unknown[]).filter(isRecord) : [];
}

/** One text input a modal asks for, as the member's client shows it. */
export interface ModalTextInput {
  customId: string;
  /** 1 short, 2 paragraph. */
  style: number;
  value?: string;
  required: boolean;
  minLength?: number;
  maxLength?: number;
}

/**
 * Checks a MODAL callback's data (type 9) the way Discord does: `custom_id` (1-100), `title`
 * (1-45), 1 to 5 top-level components, each a Label (type 18) holding one text input or a legacy
 * action row holding one; text inputs with a `custom_id`, a style of 1 or 2, lengths within
 * 0-4000 and a prefilled value no longer than `max_length`. Returns the text inputs in order.
 */
export function validateModal(data: Json): ModalTextInput[] {
  const customId = data["custom_id"];
  if (typeof customId !== "string" || customId.length < 1 || customId.length > 100) {
    throw invalidFormBody(
      ["data", "custom_id"],
      "BASE_TYPE_BAD_LENGTH",
      "Must be between 1 and 100 in length.",
    );
  }
  const title = data["title"];
  if (typeof title !== "string" || title.length < 1 || title.length > 45) {
    throw invalidFormBody(["data", "title"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.");
  }
  const components = list(data["components"]);
  if (components.length < 1 || components.length > 5) {
    throw invalidFormBody(
      ["data", "components"],
      "BASE_TYPE_BAD_LENGTH",
      "Must be between 1 and 5 in length.",
    );
  }
  const inputs: ModalTextInput[] = [];
  for (const [index, component] of components.entries()) {
    const at = ["data", "components", String(index)];
    const type = component["type"];
    if (type === ComponentType.textDisplay) continue;
    const inner =
      type === ComponentType.label
        ? isRecord(component["component"])
          ? [component["component"]]
          : []
        : type === ComponentType.actionRow
          ? list(component["components"])
          : undefined;
    if (inner === undefined) {
      throw invalidFormBody(
        [...at, "type"],
        "UNION_TYPE_CHOICES",
        'Value of field "type" must be one of (1, 10, 18).',
      );
    }
    if (type === ComponentType.label) {
      const label = component["label"];
      if (typeof label !== "string" || label.length < 1 || label.length > 45) {
        throw invalidFormBody(
          [...at, "label"],
          "BASE_TYPE_BAD_LENGTH",
          "Must be between 1 and 45 in length.",
        );
      }
    }
    if (inner.length !== 1) {
      throw invalidFormBody(
        [...at, "components"],
        "BASE_TYPE_BAD_LENGTH",
        "Must be between 1 and 1 in length.",
      );
    }
    inputs.push(textInput(inner[0]!, [...at, "component"]));
  }
  const ids = inputs.map((input) => input.customId);
  if (new Set(ids).size !== ids.length) {
    throw invalidFormBody(
      ["data", "components"],
      "COMPONENT_CUSTOM_ID_DUPLICATED",
      "Component custom id cannot be duplicated",
    );
  }
  return inputs;
}

function textInput(component: Json, at: string[]): ModalTextInput {
  if (component["type"] !== ComponentType.textInput) {
    throw invalidFormBody([...at, "type"], "UNION_TYPE_CHOICES", "A modal here holds text inputs (type 4).");
  }
  const customId = component["custom_id"];
  if (typeof customId !== "string" || customId.length < 1 || customId.length > 100) {
    throw invalidFormBody(
      [...at, "custom_id"],
      "BASE_TYPE_BAD_LENGTH",
      "Must be between 1 and 100 in length.",
    );
  }
  const style = component["style"];
  if (style !== 1 && style !== 2) {
    throw invalidFormBody([...at, "style"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.");
  }
  const length = (key: string): number | undefined => {
    const value = component[key];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || value < 0 || value > 4000) {
      throw invalidFormBody([...at, key], "NUMBER_TYPE_MAX", "int value should be between 0 and 4000.");
    }
    return value;
  };
  const minLength = length("min_length");
  const maxLength = length("max_length");
  const value = typeof component["value"] === "string" ? component["value"] : undefined;
  if (value !== undefined && value.length > (maxLength ?? 4000)) {
    throw invalidFormBody(
      [...at, "value"],
      "BASE_TYPE_BAD_LENGTH",
      `Must be ${maxLength ?? 4000} or fewer in length.`,
    );
  }
  return {
    customId,
    style,
    required: component["required"] !== false,
    ...(value === undefined ? {} : { value }),
    ...(minLength === undefined ? {} : { minLength }),
    ...(maxLength === undefined ? {} : { maxLength }),
  };
}

/**
 * The `data` of the MODAL_SUBMIT interaction (type 5) the member's client sends: the modal's
 * `custom_id` and, for each text input, its value (the given one, else the prefilled one), in
 * Label components as Discord sends them back. Throws where the client would not let the member
 * submit (a required input left empty, a value outside the lengths).
 */
export function modalSubmitData(modal: Json, values: Record<string, string>): Json {
  const inputs = validateModal(modal);
  for (const name of Object.keys(values)) {
    if (!inputs.some((input) => input.customId === name)) {
      throw new Error(`fake Discord: the modal has no text input "${name}"`);
    }
  }
  let id = 1;
  const components = inputs.map((input) => {
    const value = values[input.customId] ?? input.value ?? "";
    if (input.required && value === "") throw new Error(`fake Discord: "${input.customId}" is required`);
    if (value !== "" && value.length < (input.minLength ?? 0)) {
      throw new Error(`fake Discord: "${input.customId}" is shorter than ${input.minLength}`);
    }
    if (value.length > (input.maxLength ?? 4000)) {
      throw new Error(`fake Discord: "${input.customId}" is longer than ${input.maxLength}`);
    }
    const labelId = id++;
    return {
      type: ComponentType.label,
      id: labelId,
      component: { type: ComponentType.textInput, id: id++, custom_id: input.customId, value },
    };
  });
  return { custom_id: modal["custom_id"], components };
}
