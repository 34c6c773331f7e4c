// Forms rendered from the admin API's OpenAPI document: each field's control, label (the schema's `title`),
// help (its `description`) and choices (`enum` with `x-enumTitles` / `x-enumDescriptions`, or `oneOf` variants
// with titles) come from the zod schemas that validate the request (src/http/admin-api.ts and the settings
// modules). Screens only choose which fields to show, where, and their test ids. Error messages the API
// writes as `path: message` are shown beside the field, with its label instead of the path.

import { h } from './dom.js';
import { openApiDocument } from './api.js';
import { list } from './format.js';

/** The request body schema of an admin route, by the route's name (its OpenAPI operationId). */
export async function bodySchema(operationId) {
  const document = await openApiDocument();
  for (const item of Object.values(document.paths || {})) {
    for (const operation of Object.values(item)) {
      if (operation && operation.operationId === operationId) {
        const schema = operation.requestBody?.content?.['application/json']?.schema;
        if (schema) return dereference(document, schema, 0);
      }
    }
  }
  throw new Error(`The API description has no request body for ${operationId}.`);
}

function dereference(document, schema, depth) {
  if (depth > 32 || !schema || typeof schema !== 'object') return schema;
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/')) {
    const target = schema.$ref
      .slice(2)
      .split('/')
      .reduce((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    return dereference(document, { ...target, ...without(schema, '$ref') }, depth + 1);
  }
  if (Array.isArray(schema)) return schema.map((s) => dereference(document, s, depth + 1));
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, dereference(document, v, depth + 1)]));
}

function without(object, key) {
  const { [key]: _, ...rest } = object;
  return rest;
}

/** `sendEvents.eventFilter.eventTypes[1]` → ['sendEvents', 'eventFilter', 'eventTypes', 1]. */
export function pathSegments(path) {
  if (Array.isArray(path)) return path;
  const segments = [];
  for (const match of String(path).matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : match[1]);
  }
  return segments;
}

function variantsOf(schema) {
  return (schema && (schema.oneOf || schema.anyOf)) || [];
}

/** The schema one step down: an object's property, an array's items, or a property of one of the variants. */
function childSchema(schema, segment) {
  if (!schema || typeof schema !== 'object') return undefined;
  if (typeof segment === 'number') return schema.items;
  if (schema.properties && Object.hasOwn(schema.properties, segment)) return schema.properties[segment];
  for (const variant of variantsOf(schema)) {
    const found = childSchema(variant, segment);
    if (found) return found;
  }
  return undefined;
}

/** The schema at a path, or undefined when the path is not in it. */
export function schemaAt(schema, path) {
  return pathSegments(path).reduce((node, segment) => childSchema(node, segment), schema);
}

/** The titles along a path (sections, then the field), e.g. ['Send Events', 'Event types']. */
export function titlesAlong(schema, path) {
  const titles = [];
  let node = schema;
  for (const segment of pathSegments(path)) {
    node = childSchema(node, segment);
    if (!node) break;
    if (typeof segment !== 'number' && node.title) titles.push(node.title);
  }
  return titles;
}

function isRequired(schema, segments) {
  const parent = schemaAt(schema, segments.slice(0, -1));
  return Boolean(parent && Array.isArray(parent.required) && parent.required.includes(segments.at(-1)));
}

/** The choices of an enum-like schema: [{ value, title, description }]. */
export function choicesOf(schema) {
  const titles = schema['x-enumTitles'] || schema.items?.['x-enumTitles'] || {};
  const descriptions = schema['x-enumDescriptions'] || schema.items?.['x-enumDescriptions'] || {};
  const values = schema.enum || schema.items?.enum;
  if (values)
    return values.map((value) => ({ value, title: titles[value] || value, description: descriptions[value] }));
  // A `oneOf` of constants, or of objects told apart by a constant property (each variant is a choice).
  const key = discriminatorOf(schema);
  return variantsOf(schema)
    .map((v) => ({ variant: v, value: key ? v.properties[key].const : v.const }))
    .filter(({ value }) => value !== undefined)
    .map(({ variant, value }) => ({
      value,
      title: variant.title || titles[value] || value,
      description: variant.description,
    }));
}

/** For a `oneOf` of objects told apart by one constant property: that property's name. */
function discriminatorOf(schema) {
  const variants = variantsOf(schema);
  if (variants.length === 0 || !variants.every((v) => v.type === 'object' && v.properties)) return undefined;
  return Object.keys(variants[0].properties).find((key) =>
    variants.every((v) => v.properties[key] && v.properties[key].const !== undefined),
  );
}

function isDate(schema) {
  return [schema, ...variantsOf(schema)].some((s) => s.format === 'date' || s.format === 'date-time');
}

/** Which control a schema gets, unless the screen asks for another (`choices` instead of `select`). */
function widgetFor(schema, requested) {
  if (requested) return requested;
  if (schema.type === 'boolean') return 'toggle';
  if (schema.type === 'array') return schema.items?.enum ? 'checkboxes' : 'list';
  if (discriminatorOf(schema)) return 'variant';
  if (choicesOf(schema).length > 0) return 'select';
  if (isDate(schema)) return 'date';
  return 'text';
}

let nextId = 0;
const newId = () => `field-${(nextId += 1)}`;

/**
 * A form over one request body schema. `form.field(path, options)` makes the control of one field;
 * `form.value()` builds the body from every control; `form.showIssues(message)` puts the API's
 * `path: message` lines beside their fields and returns them with labels for a summary.
 */
export function schemaForm(schema) {
  const controls = [];

  /** The field's title; a field without one takes its section's (a section's `enabled` toggle is the section). */
  function labelOf(path) {
    const titles = titlesAlong(schema, path);
    if (titles.length > 0) return titles.at(-1);
    // A field the page shows must have a title in the API's schema (zod `.meta({ title })`); the browser test
    // fails on console errors, so a missing one is caught.
    console.error(`setup page: the API schema gives no title for ${path}`);
    return String(path);
  }

  function field(path, options = {}) {
    const segments = pathSegments(path);
    const fieldSchema = schemaAt(schema, segments);
    if (!fieldSchema) throw new Error(`The API schema has no field ${path}.`);
    const control = makeControl(fieldSchema, {
      ...options,
      path: segments,
      label: labelOf(segments),
      required: isRequired(schema, segments),
    });
    controls.push(control);
    return control;
  }

  /** The body: every control's value at its path (a control whose value is undefined is left out). */
  function value() {
    const body = {};
    for (const control of controls) {
      const v = control.get();
      if (v === undefined) continue;
      let node = body;
      control.path.slice(0, -1).forEach((segment) => {
        node[segment] ??= {};
        node = node[segment];
      });
      node[control.path.at(-1)] = v;
    }
    return body;
  }

  function clearIssues() {
    for (const control of controls) control.setError(null);
  }

  /** The issues of an API message, each with its control and its line with labels instead of the path. */
  function describe(message) {
    return parseIssues(message, schema).map((issue) => {
      if (issue.path.length === 0) return { line: issue.message };
      const control = controlFor(controls, issue.path);
      const item = itemWording(control, issue.path);
      const where = [titlesAlong(schema, issue.path).join(' › ') || issue.raw, item].filter(Boolean).join(' ');
      return {
        control,
        line: `${where}: ${issue.message}`,
        beside: item ? `${item}: ${issue.message}` : issue.message,
      };
    });
  }

  /** Shows each issue beside its field; returns one labelled line per issue (for the form's summary). */
  function showIssues(message) {
    clearIssues();
    return describe(message).map((issue) => {
      issue.control?.setError(issue.beside);
      return issue.line;
    });
  }

  /** Lines such as warnings, with labels instead of paths (nothing is marked as an error). */
  function labelled(message) {
    return describe(message).map((issue) => issue.line);
  }

  return { schema, field, value, showIssues, clearIssues, labelled };
}

/** The control whose path is the longest prefix of `path`. */
function controlFor(controls, path) {
  let best;
  for (const control of controls) {
    const prefix = control.path.every((segment, i) => path[i] === segment) && control.path.length <= path.length;
    if (prefix && (!best || control.path.length > best.path.length)) best = control;
  }
  return best;
}

/** For an issue about one item of a list: the item as typed (“$identify”), else its position. */
function itemWording(control, path) {
  if (!control) return '';
  const index = path[control.path.length];
  if (typeof index !== 'number') return '';
  const items = control.get();
  return Array.isArray(items) && typeof items[index] === 'string' ? `“${items[index]}”` : `(item ${index + 1})`;
}

const ISSUE_START = /(^|;\s+|\n)((?:[A-Za-z_$][\w$]*)(?:\.[A-Za-z_$][\w$]*|\[\d+\])*): /g;
/** Where an issue about the whole body is reported (`formatIssues`, `formatSettingsError`). */
const WHOLE_BODY = new Set(['body', 'settings']);

/**
 * The API's error message as issues: `a.b[1]: message; c: message` (or one per line). A `path: ` prefix counts
 * only when the path is a field of `schema`; anything else is a message about the request as a whole.
 */
export function parseIssues(message, schema) {
  const text = String(message || '');
  const starts = [];
  for (const match of text.matchAll(ISSUE_START)) {
    const raw = match[2];
    if (!WHOLE_BODY.has(raw) && !schemaAt(schema, raw)) continue;
    starts.push({ at: match.index, raw, bodyAt: match.index + match[0].length });
  }
  const issues = [];
  const general = text.slice(0, starts.length > 0 ? starts[0].at : text.length).trim();
  if (general) issues.push({ path: [], raw: '', message: general });
  starts.forEach((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].at : text.length;
    const issueText = text.slice(start.bodyAt, end).trim();
    issues.push(
      WHOLE_BODY.has(start.raw)
        ? { path: [], raw: start.raw, message: issueText }
        : { path: pathSegments(start.raw), raw: start.raw, message: issueText },
    );
  });
  return issues;
}

// ----- controls -------------------------------------------------------------------------------------

/** A group of radios or checkboxes: one field whose inputs are the items' inputs. */
function groupField(base, { group, items, get, set, hint, label }) {
  Object.assign(base, {
    input: group,
    inputs: () => items.map((item) => item.input),
    get,
    set,
    focus: () => items[0]?.input.focus(),
  });
  return fieldShell(base, { hint, hintFirst: true, body: [h('div', { class: 'label', text: label }), group] });
}

/** Wraps a control: its label (or `body`, a label that holds the input), help, and where its error shows. */
function fieldShell(control, { label, hint, labelFor, body, hintFirst }) {
  const error = h('div', {
    class: 'field-error',
    role: 'alert',
    hidden: true,
    testid: control.testid && `${control.testid}-error`,
  });
  control.hint = hint
    ? h('div', { class: 'hint', text: hint, testid: control.testid && `${control.testid}-hint` })
    : undefined;
  // A group of choices has its help between its label and the choices; an input has it below.
  const [head, ...rest] = [body || [h('label', { for: labelFor, text: label }), control.input]].flat();
  const root = h('div', { class: 'field' }, hintFirst ? [head, control.hint, rest] : [head, rest, control.hint], error);
  control.setError = (text) => {
    error.textContent = text || '';
    error.hidden = !text;
    for (const input of control.inputs()) {
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  };
  control.root = root;
  return control;
}

function makeControl(schema, options) {
  const widget = widgetFor(schema, options.widget);
  const hint = options.hint === false ? undefined : schema.description;
  const base = { path: options.path, label: options.label, testid: options.testid, schema };
  const listeners = [];
  const changed = () => listeners.forEach((fn) => fn());
  base.onChange = (fn) => listeners.push(fn);
  const id = newId();

  switch (widget) {
    case 'toggle': {
      const input = h('input', { type: 'checkbox', id, testid: options.testid, onchange: changed });
      Object.assign(base, {
        input,
        inputs: () => [input],
        get: () => input.checked,
        set: (v) => (input.checked = Boolean(v)),
        focus: () => input.focus(),
      });
      return fieldShell(base, { hint, body: h('label', { class: 'toggle', for: id }, input, options.label) });
    }
    case 'select': {
      const input = h(
        'select',
        { id, testid: options.testid, onchange: changed },
        choicesOf(schema).map((c) => h('option', { value: c.value, text: c.title })),
      );
      if (schema.default !== undefined) input.value = schema.default;
      Object.assign(base, {
        input,
        inputs: () => [input],
        get: () => input.value,
        set: (v) => (input.value = v),
        focus: () => input.focus(),
      });
      return fieldShell(base, { label: options.label, hint, labelFor: id });
    }
    case 'choices': {
      const name = newId();
      const radios = choicesOf(schema).map((c) => ({
        choice: c,
        input: h('input', {
          type: 'radio',
          name,
          value: c.value,
          testid: options.testid && `${options.testid}-${c.value}`,
          onchange: changed,
        }),
      }));
      const group = h(
        'div',
        { role: 'radiogroup', 'aria-label': options.label },
        radios.map(({ choice, input }) =>
          h(
            'label',
            { class: 'choice' },
            input,
            h(
              'span',
              {},
              h('strong', { text: choice.title }),
              choice.description && h('span', { class: 'muted small', text: choice.description }),
            ),
          ),
        ),
      );
      const set = (v) => radios.forEach(({ input }) => (input.checked = input.value === v));
      if (schema.default !== undefined) set(schema.default);
      const get = () => radios.find((r) => r.input.checked)?.input.value;
      return groupField(base, { group, items: radios, get, set, hint, label: options.label });
    }
    case 'checkboxes': {
      const boxes = choicesOf(schema).map((c) => ({
        value: c.value,
        input: h('input', {
          type: 'checkbox',
          testid: options.testid && `${options.testid}-${c.value}`,
          onchange: changed,
        }),
        title: c.title,
      }));
      const group = h(
        'div',
        { class: 'checks', role: 'group', 'aria-label': options.label },
        boxes.map((b) => h('label', { class: 'check-option' }, b.input, b.title)),
      );
      const set = (values) => boxes.forEach((b) => (b.input.checked = (values || []).includes(b.value)));
      set(schema.default || boxes.map((b) => b.value));
      const get = () => boxes.filter((b) => b.input.checked).map((b) => b.value);
      return groupField(base, { group, items: boxes, get, set, hint, label: options.label });
    }
    case 'variant':
      return variantControl(schema, options, base, hint, id, changed);
    default: {
      const isList = widget === 'list';
      const input = h('input', {
        id,
        type: widget === 'date' ? 'date' : schema.format === 'password' ? 'password' : 'text',
        testid: options.testid,
        placeholder: options.placeholder,
        autocomplete: 'off',
        required: options.required && !isList,
        oninput: changed,
      });
      const optional = !options.required;
      Object.assign(base, {
        input,
        inputs: () => [input],
        get: () => {
          if (isList) return list(input.value);
          const v = input.value.trim();
          return v === '' && optional ? undefined : v;
        },
        set: (v) => (input.value = isList ? (v || []).join(', ') : (v ?? '')),
        focus: () => input.focus(),
      });
      return fieldShell(base, {
        label: options.label,
        hint: isList && hint ? `${hint} Comma-separated.` : hint,
        labelFor: id,
      });
    }
  }
}

/** A `oneOf` told apart by a constant (e.g. mapping.from: kind user_id | user_property + name): a select, and the chosen variant's other fields. */
function variantControl(schema, options, base, hint, id, changed) {
  const key = discriminatorOf(schema);
  const variants = variantsOf(schema);
  const select = h(
    'select',
    { id, testid: options.testid },
    choicesOf(schema).map((c) => h('option', { value: c.value, text: c.title })),
  );
  // One text input per other property name (shared by the variants that have it, e.g. `name`).
  const extras = {};
  for (const variant of variants) {
    for (const [name, propertySchema] of Object.entries(variant.properties)) {
      if (name === key || extras[name]) continue;
      const inputId = newId();
      const input = h('input', {
        id: inputId,
        type: 'text',
        autocomplete: 'off',
        testid: options.fieldTestids?.[name],
        placeholder: options.placeholders?.[name],
        oninput: changed,
      });
      extras[name] = {
        input,
        root: h('div', { class: 'field' }, h('label', { for: inputId, text: propertySchema.title || name }), input),
      };
    }
  }
  const chosen = () => variants.find((v) => v.properties[key].const === select.value);
  const sync = () => {
    const variant = chosen();
    for (const [name, extra] of Object.entries(extras)) extra.root.hidden = !variant?.properties[name];
  };
  select.addEventListener('change', () => {
    sync();
    changed();
  });
  Object.assign(base, {
    input: select,
    inputs: () => [select, ...Object.values(extras).map((e) => e.input)],
    get: () => {
      const variant = chosen();
      const result = { [key]: select.value };
      for (const name of Object.keys(extras))
        if (variant?.properties[name]) result[name] = extras[name].input.value.trim();
      return result;
    },
    set: (v) => {
      select.value = v?.[key] ?? select.value;
      for (const [name, extra] of Object.entries(extras)) extra.input.value = v?.[name] ?? '';
      sync();
    },
    focus: () => select.focus(),
  });
  sync();
  const control = fieldShell(base, { label: options.label, hint, labelFor: id });
  // The variant's own fields sit beside the select (a row), each hidden unless the chosen variant has it.
  control.root = h(
    'div',
    { class: 'row' },
    control.root,
    Object.values(extras).map((e) => e.root),
  );
  return control;
}
