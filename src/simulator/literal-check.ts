import type { InputSpec } from "./node-catalog.js";
import type { ValidationIssue } from "./prompt-validator.js";
import {
  PythonValueError,
  pythonBool,
  pythonFloat,
  pythonInt,
  pythonRepr,
  pythonStr,
} from "./python-values.js";

export function issue(
  type: string,
  message: string,
  details: string,
  extra_info: Record<string, unknown> = {},
): ValidationIssue {
  return { type, message, details, extra_info };
}

/**
 * One literal input: converted like ComfyUI (int(), float(), str(), bool()), then checked against
 * min/max and the combo options. The converted value is written back, as ComfyUI does.
 */
export function checkLiteral(
  name: string,
  raw: unknown,
  info: InputSpec,
  inputType: unknown,
  extra: Record<string, unknown>,
  inputs: Record<string, unknown>,
): ValidationIssue | undefined {
  let value = raw;
  try {
    if (inputType === "INT") value = pythonInt(raw);
    else if (inputType === "FLOAT") value = pythonFloat(raw);
    else if (inputType === "STRING") value = pythonStr(raw);
    else if (inputType === "BOOLEAN") value = pythonBool(raw);
    inputs[name] = value;
  } catch (error) {
    if (!(error instanceof PythonValueError)) throw error;
    return issue(
      "invalid_input_type",
      `Failed to convert an input value to a ${pythonStr(inputType)} value`,
      `${name}, ${pythonStr(raw)}, ${error.message}`,
      { input_name: name, input_config: info, received_value: raw, exception_message: error.message },
    );
  }
  const min = extra["min"];
  const max = extra["max"];
  // Python prints floats with a decimal point: "Value -1.0 smaller than min of 0.0".
  const show = (n: number): string =>
    inputType === "FLOAT" && Number.isInteger(n) ? n.toFixed(1) : String(n);
  if (typeof min === "number" && typeof value === "number" && value < min) {
    return issue("value_smaller_than_min", `Value ${show(value)} smaller than min of ${show(min)}`, name, {
      input_name: name,
      input_config: info,
      received_value: value,
    });
  }
  if (typeof max === "number" && typeof value === "number" && value > max) {
    return issue("value_bigger_than_max", `Value ${show(value)} bigger than max of ${show(max)}`, name, {
      input_name: name,
      input_config: info,
      received_value: value,
    });
  }
  const options = Array.isArray(inputType)
    ? (inputType as unknown[])
    : inputType === "COMBO" && Array.isArray(extra["options"])
      ? (extra["options"] as unknown[])
      : undefined;
  if (options !== undefined && !options.includes(value)) {
    // ComfyUI elides long lists (scanned model folders) from the message and the config.
    const long = options.length > 20;
    return issue(
      "value_not_in_list",
      "Value not in list",
      `${name}: '${pythonStr(value)}' not in ${long ? `(list of length ${options.length})` : pythonRepr(options)}`,
      { input_name: name, input_config: long ? null : info, received_value: value },
    );
  }
  return undefined;
}
