// Checks constrained outputs with independent validators: JSON Schemas with ajv (draft 2020-12, the formats from
// ajv-formats, as JSON Schema users validate), regular expressions with JavaScript's own RegExp (the ECMAScript
// dialect JSON Schema's "pattern" is defined in), matched against the whole text.
// stdin: a JSON array of {"schema": {...}, "output": "..."} or {"pattern": "...", "output": "..."}.
// stdout: a JSON array with, per item, {"valid": true} or {"valid": false, "error": "..."}.
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const compiled = new Map();

function check(item) {
  if (typeof item.pattern === "string") {
    const regex = new RegExp(`^(?:${item.pattern})$`, "u");
    return regex.test(item.output) ? { valid: true } : { valid: false, error: `does not match /${item.pattern}/` };
  }
  let value;
  try {
    value = JSON.parse(item.output);
  } catch (e) {
    return { valid: false, error: `not JSON: ${e.message}` };
  }
  const key = JSON.stringify(item.schema);
  if (!compiled.has(key)) compiled.set(key, ajv.compile(item.schema));
  const validate = compiled.get(key);
  return validate(value) ? { valid: true } : { valid: false, error: ajv.errorsText(validate.errors) };
}

const items = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(items.map((item) => {
  try {
    return check(item);
  } catch (e) {
    return { valid: false, error: `validator failed: ${e.message}` };
  }
})));
