// The setup page: plain DOM and ES modules, no framework, no build step. One module per screen (screens/),
// shared pieces in components/ and lib/. Forms are rendered from the admin API's OpenAPI document.

import { forgetToken, token, whenTokenRefused } from './lib/api.js';
import { currentRoute, rerender, startRouter } from './lib/router.js';
import { renderTokenPrompt } from './screens/token.js';
import { renderList } from './screens/list.js';
import { renderConnection } from './screens/connection.js';

const main = document.getElementById('main');
const signOut = document.getElementById('sign-out');

signOut.addEventListener('click', () => {
  forgetToken();
  rerender();
});
whenTokenRefused(() => rerender('The admin token was not accepted; enter it again.'));

startRouter((gen, notice) => {
  main.replaceChildren();
  signOut.hidden = !token();
  if (!token()) return renderTokenPrompt(main, notice);
  const route = currentRoute();
  if (route.view === 'connection') return renderConnection(main, route.id, gen);
  return renderList(main, gen);
});
