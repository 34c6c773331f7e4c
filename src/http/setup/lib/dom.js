// DOM helpers. Every string that comes from the API is rendered with textContent (never innerHTML).

/** Creates an element. props: class, testid, text, on<Event>, boolean/other attributes. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  return append(el, children);
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An alert that stays hidden until `show`. */
export function alertBox(kind, testid) {
  return h('div', { class: `alert ${kind}`, testid, role: kind === 'error' ? 'alert' : 'status', hidden: true });
}

/** Shows text or nodes in an alert (or any element) and unhides it. */
export function show(el, content) {
  el.replaceChildren(...[content].flat());
  el.hidden = false;
}

export function hide(el) {
  el.replaceChildren();
  el.hidden = true;
}

/** A table with a header row (each header: its text, or h's props) above `body` (a tbody). */
export function table(testid, headers, body) {
  const th = headers.map((header) => h('th', typeof header === 'string' ? { text: header } : header));
  return h('table', { testid }, h('thead', {}, h('tr', {}, th)), body);
}

/** A card with a heading; `children` follow the heading. */
export function card(testid, title, ...children) {
  return h('div', { class: 'card', testid }, title && h('h2', { text: title }), ...children);
}

/**
 * Runs an async action from a button: disables it meanwhile and shows a failure in `errorBox`.
 * Returns whether the action succeeded.
 */
export async function busy(button, errorBox, action) {
  button.disabled = true;
  if (errorBox) hide(errorBox);
  try {
    await action();
    return true;
  } catch (err) {
    if (errorBox) show(errorBox, err.message);
    return false;
  } finally {
    button.disabled = false;
  }
}

/** Replaces an element's children (skipping false, null and undefined; arrays are flattened). */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
