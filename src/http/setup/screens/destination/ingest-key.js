// How to use a sync's ingest key: the api_key of an Amplitude SDK pointed at this service.

import { h } from '../../lib/dom.js';

export function ingestKeyContent(key) {
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
  return [
    h('h2', { text: 'Ingest key' }),
    h('div', { class: 'secret' }, code, copy),
    h(
      'div',
      { class: 'alert note', testid: 'ingest-key-note' },
      'Copy it now: it is shown only once (we keep only a hash). Use it as the api_key of an Amplitude SDK whose server URL is ',
      h('code', { text: `${location.origin}/2/httpapi` }),
      ' (or /batch, /identify).',
    ),
  ];
}
