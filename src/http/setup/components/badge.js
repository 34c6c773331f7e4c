import { h } from '../lib/dom.js';

const STATUS_TONE = {
  Connected: 'ok',
  Enabled: 'ok',
  Authorizing: 'info',
  Configuring: 'info',
  Listening: 'info',
  Paused: 'warn',
  Disabled: 'warn',
  Error: 'bad',
};

export function badge(status, testid) {
  const el = h('span', { testid });
  setBadge(el, status);
  return el;
}

export function setBadge(el, status) {
  el.className = `badge ${STATUS_TONE[status] || ''}`;
  el.textContent = status || 'Unknown';
}
