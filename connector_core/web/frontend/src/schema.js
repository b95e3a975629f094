// Adjusting host.form(...) schemas for a page: loaded choices, stored secrets, host files.
// The server validates again either way; these only change what the browser asks for.
import { customizeValidator } from "@rjsf/validator-ajv8";
import Ajv2020 from "ajv/dist/2020.js";

// Plain `new Ajv()` cannot compile draft 2020-12 schemas; Ajv2020 can. RJSF adds ajv-formats.
export const validator = customizeValidator({ AjvClass: Ajv2020 });

/** Top-level fields whose UI schema says their choices come from the account. */
export function dynamicFields(uiSchema) {
  return Object.entries(uiSchema || {})
    .filter(([key, entry]) => !key.startsWith("ui:") && entry && entry["ui:options"] && entry["ui:options"].dynamicOptions)
    .map(([key]) => key);
}

/** The schema with loaded choices as `examples`: suggestions (a datalist), not a new constraint. */
export function withChoices(schema, choices) {
  const keys = Object.keys(choices);
  if (!schema || keys.length === 0) return schema;
  const properties = { ...schema.properties };
  for (const key of keys) {
    if (properties[key]) properties[key] = { ...properties[key], examples: choices[key].map((o) => o.value) };
  }
  return { ...schema, properties };
}

/** A copy of `schema` in which `visit(node)` has rewritten every subschema, depth first. */
function mapSchema(node, visit) {
  if (Array.isArray(node)) return node.map((item) => mapSchema(item, visit));
  if (!node || typeof node !== "object") return node;
  const copy = {};
  for (const [key, value] of Object.entries(node)) copy[key] = mapSchema(value, visit);
  return visit(copy);
}

/** The schema without `keys`: not asked for, not required, wherever a branch declares them. */
export function withoutFields(schema, keys) {
  const drop = new Set(keys);
  return mapSchema(schema, (node) => {
    if (node.properties && typeof node.properties === "object" && !Array.isArray(node.properties)) {
      node.properties = Object.fromEntries(Object.entries(node.properties).filter(([k]) => !drop.has(k)));
    }
    if (Array.isArray(node.required)) node.required = node.required.filter((k) => !drop.has(k));
    return node;
  });
}

/** The schema with `keys` no longer required anywhere (stored secrets: blank keeps them). */
export function optional(schema, keys) {
  const keep = new Set(keys);
  return mapSchema(schema, (node) => {
    if (Array.isArray(node.required)) node.required = node.required.filter((k) => !keep.has(k));
    return node;
  });
}

/** The title a field has anywhere in the schema (a branch may declare it), else its key. */
export function fieldTitle(schema, key) {
  let title = null;
  mapSchema(schema, (node) => {
    const field = node.properties && node.properties[key];
    if (!title && field && typeof field.title === "string") title = field.title;
    return node;
  });
  return title || key;
}

export const KEEP_SECRET = "set — leave blank to keep";

/** The UI schema with a "set — leave blank to keep" placeholder on each stored secret. */
export function secretPlaceholders(uiSchema, keys) {
  const out = { ...uiSchema };
  for (const key of keys) {
    const entry = { ...(out[key] || {}) };
    entry["ui:placeholder"] = KEEP_SECRET;
    // A secret that may also be a reference ($env, $file) is an anyOf; its first branch is the value.
    if (Array.isArray(entry.anyOf) && entry.anyOf.length > 0) {
      entry.anyOf = [{ ...entry.anyOf[0], "ui:placeholder": KEEP_SECRET }, ...entry.anyOf.slice(1)];
    }
    out[key] = entry;
  }
  return out;
}

/** How every page draws a form with stock RJSF: Ajv2020, "a.b" ids, values of hidden fields dropped. */
export const FORM_PROPS = {
  validator,
  idSeparator: ".",
  noHtml5Validate: true,
  omitExtraData: true,
  liveOmit: "onChange",
  showErrorList: "top",
};
