// A sync's ingest key, shown once (on creation or after "New ingest key"): only its hash is stored.

import { fill, h } from '../../lib/dom.js';

export function ingestKeyCard() {
  const root = h('div', { class: 'card', testid: 'ingest-key-card', hidden: true });
  return {
    root,
    show(key) {
      const code = h('code', { testid: 'ingest-key', text: key });
      const copy = h('button', { type: 'button', class: 'secondary', testid: 'copy-ingest-key', text: 'Copy' });
      copy.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(key);
          copy.textContent = 'Copied';
        } catch {
          window.getSelection().selectAllChildren(code);
        }
      });
      fill(
        root,
        h('h2', { text: 'Ingest key' }),
        h('div', { class: 'secret' }, code, copy),
        h(
          'div',
          { class: 'alert note', testid: 'ingest-key-note' },
          'Copy it now: it is shown only once (we keep only a hash). Use it as the api_key of an Amplitude SDK whose server URL is ',
          h('code', { text: `${location.origin}/2/httpapi` }),
          ' (or /batch, /identify).',
        ),
        h(
          'div',
          { class: 'actions' },
          h('button', {
            type: 'button',
            class: 'secondary',
            testid: 'ingest-key-done',
            text: 'I have saved it',
            onclick: () => {
              root.replaceChildren();
              root.hidden = true;
            },
          }),
        ),
      );
      root.hidden = false;
    },
  };
}
