// Navigation without reloads, and the "view generation" that stops timers and late answers of a left view.

import { h } from './dom.js';

let renderPage = () => {};
let generation = 0;

/** Installs the page's render function; it runs on every navigation. */
export function startRouter(render) {
  renderPage = render;
  window.addEventListener('popstate', () => rerender());
  rerender();
}

/** Renders the current URL's view again; returns the new view's generation. */
export function rerender(notice) {
  generation += 1;
  renderPage(generation, notice);
  return generation;
}

/** Whether the view of generation `gen` is still the one shown. */
export function isCurrent(gen) {
  return gen === generation;
}

export function navigate(path) {
  history.pushState(null, '', path);
  rerender();
}

export function currentRoute() {
  const match = /^\/setup\/connections\/([^/]+)\/?$/.exec(location.pathname);
  if (match) {
    try {
      return { view: 'connection', id: decodeURIComponent(match[1]) };
    } catch {
      return { view: 'list' };
    }
  }
  return { view: 'list' };
}

/** An in-page link: a real href (open in new tab works) that navigates without a reload. */
export function navLink(path, props, ...children) {
  return h(
    'a',
    {
      ...props,
      href: path,
      onclick: (event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(path);
      },
    },
    ...children,
  );
}

/** Runs `tick` now and every `ms` until the view changes; a failing tick never stops the loop. */
export function poll(gen, ms, tick) {
  const loop = async () => {
    if (!isCurrent(gen)) return;
    try {
      await tick();
    } catch {
      // tick shows its own errors
    }
    if (isCurrent(gen)) setTimeout(loop, ms);
  };
  void loop();
}
