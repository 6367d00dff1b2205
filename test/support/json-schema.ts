/**
 * A tiny JSON Schema (2020-12) evaluator for the keywords the catalog's generated config schemas use
 * (no JSON Schema validator is installed: node_modules has only the draft-03 `json-schema` package).
 * An unknown keyword throws, so a schema that starts using one fails the test instead of being
 * half-checked. Lengths count Unicode code points, as the specification says.
 * Callers: test/integration/strategy-catalog.test.ts.
 */
type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(["$schema", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"]);
const KEYWORDS = new Set([
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "anyOf",
  "oneOf",
  "allOf",
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return isObject(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    default:
      throw new Error(`unknown JSON Schema type ${type}`);
  }
}

/** Deep equality of JSON values (for enum and const). */
function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** True when `value` is valid against `schema`. */
export function validates(schema: Schema, value: unknown): boolean {
  if (typeof schema === "boolean") return schema;
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !KEYWORDS.has(key) && !key.startsWith("x-")) throw new Error(`unsupported JSON Schema keyword ${key}`);
  }
  const s = schema as Record<string, unknown>;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => typeMatches(t, value))) return false;
  }
  if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => jsonEqual(e, value))) return false;
  if (s.const !== undefined && !jsonEqual(s.const, value)) return false;
  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof s.minLength === "number" && length < s.minLength) return false;
    if (typeof s.maxLength === "number" && length > s.maxLength) return false;
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value)) return false;
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) return false;
    if (typeof s.maximum === "number" && value > s.maximum) return false;
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum) return false;
    if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum) return false;
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) return false;
    if (typeof s.maxItems === "number" && value.length > s.maxItems) return false;
    if (s.items !== undefined && !value.every((item) => validates(s.items as Schema, item))) return false;
  }
  if (isObject(value)) {
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const name of (s.required ?? []) as string[]) if (!Object.hasOwn(value, name)) return false;
    for (const [name, v] of Object.entries(value)) {
      if (s.propertyNames !== undefined && !validates(s.propertyNames as Schema, name)) return false;
      if (Object.hasOwn(properties, name)) {
        if (!validates(properties[name] as Schema, v)) return false;
      } else if (s.additionalProperties !== undefined && !validates(s.additionalProperties as Schema, v)) return false;
    }
  }
  if (s.allOf !== undefined && !(s.allOf as Schema[]).every((sub) => validates(sub, value))) return false;
  if (s.anyOf !== undefined && !(s.anyOf as Schema[]).some((sub) => validates(sub, value))) return false;
  if (s.oneOf !== undefined && (s.oneOf as Schema[]).filter((sub) => validates(sub, value)).length !== 1) return false;
  return true;
}
