// The setup page: plain DOM, no framework, no build step. Every string that comes from the API is
// rendered with textContent (never innerHTML). The admin token lives in sessionStorage only.
'use strict';

(() => {
  const TOKEN_KEY = 'intercom-amplitude.admin-token';
  const POLL_MS = 1000;
  const LIST_POLL_MS = 2000;

  const main = document.getElementById('main');
  const signOutButton = document.getElementById('sign-out');

  /** What must not outlive this tab's memory: single-use authorize URLs and ingest keys shown once. */
  const memory = { authorizeUrls: new Map(), ingestKeys: new Map(), open: null };
  /** Bumped on every render; timers and late answers of an older view check it and stop. */
  let generation = 0;

  // ----- DOM helpers ---------------------------------------------------------------------------

  /** Creates an element. props: class, testid, text, on<Event>, boolean/other attributes. */
  function h(tag, props, ...children) {
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
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  /** An in-page link: a real href (open in new tab works) that navigates without a reload. */
  function navLink(path, props, ...children) {
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

  function field(labelText, input, hint) {
    const id = input.id || `f-${Math.random().toString(36).slice(2)}`;
    input.id = id;
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id, text: labelText }),
      input,
      hint && h('div', { class: 'hint', text: hint }),
    );
  }

  function alertBox(kind, testid) {
    return h('div', { class: `alert ${kind}`, testid, role: kind === 'error' ? 'alert' : 'status', hidden: true });
  }

  function show(el, text) {
    el.textContent = text;
    el.hidden = false;
  }

  function hide(el) {
    el.textContent = '';
    el.hidden = true;
  }

  const STATUS_TONE = {
    Connected: 'ok',
    Enabled: 'ok',
    Authorizing: 'info',
    Configuring: 'info',
    Listening: 'info',
    Paused: 'warn',
    Error: 'bad',
  };

  function badge(status, testid) {
    return h('span', { class: `badge ${STATUS_TONE[status] || ''}`, testid, text: status || 'Unknown' });
  }

  function setBadge(el, status) {
    el.className = `badge ${STATUS_TONE[status] || ''}`;
    el.textContent = status || 'Unknown';
  }

  function when(iso) {
    if (!iso) return '—';
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
  }

  function count(n) {
    return typeof n === 'number' ? n.toLocaleString() : '0';
  }

  function sum(record) {
    return Object.values(record || {}).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
  }

  /** Counter tiles, and a per-reason breakdown under the ones that are records. */
  function stats(items) {
    const tiles = h('dl', { class: 'stats' });
    const details = [];
    for (const item of items) {
      const value = typeof item.value === 'number' ? item.value : sum(item.value);
      tiles.append(
        h(
          'div',
          { class: 'stat' },
          h('dt', { text: item.label }),
          h('dd', { testid: `counter-${item.key}`, text: count(value) }),
        ),
      );
      if (item.value && typeof item.value === 'object') {
        for (const [reason, n] of Object.entries(item.value)) {
          details.push(
            h(
              'li',
              { testid: `${item.key}-${reason}` },
              `${item.label} · `,
              h('code', { text: reason }),
              `: ${count(n)}`,
            ),
          );
        }
      }
    }
    return details.length > 0 ? [tiles, h('ul', { class: 'breakdown' }, details)] : [tiles];
  }

  function lastErrorBox(lastError) {
    if (!lastError) return null;
    return h(
      'div',
      { class: 'alert error', testid: 'last-error' },
      `Last error (${when(lastError.at)}): ${lastError.message}`,
    );
  }

  /** Comma-separated names as typed: trimmed, empty entries dropped (duplicates are for the API to judge). */
  function list(text) {
    return text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  // ----- API -----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function request(method, path, body, bearer) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${bearer}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'The service did not answer. Is it running?');
    }
    const text = await response.text();
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const message = data && typeof data.error === 'string' ? data.error : `HTTP ${response.status}`;
      throw new ApiError(response.status, message);
    }
    return data;
  }

  /** An admin API call; a refused token sends the user back to the token prompt. */
  async function api(method, path, body) {
    try {
      return await request(method, path, body, token() || '');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        render('The admin token was not accepted; enter it again.');
      }
      throw err;
    }
  }

  const enc = encodeURIComponent;

  // ----- navigation ----------------------------------------------------------------------------

  function currentRoute() {
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

  function navigate(path) {
    history.pushState(null, '', path);
    render();
  }

  window.addEventListener('popstate', () => render());
  signOutButton.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    render();
  });

  function render(notice) {
    generation += 1;
    const gen = generation;
    main.replaceChildren();
    signOutButton.hidden = !token();
    if (!token()) {
      renderTokenPrompt(notice);
      return;
    }
    const route = currentRoute();
    if (route.view === 'connection') renderConnection(route.id, gen);
    else renderList(gen);
  }

  /** Runs `tick` now and every `ms` until the view changes; a failing tick never stops the loop. */
  function poll(gen, ms, tick) {
    const loop = async () => {
      if (gen !== generation) return;
      try {
        await tick();
      } catch {
        // tick shows its own errors
      }
      if (gen === generation) setTimeout(loop, ms);
    };
    void loop();
  }

  // ----- token prompt --------------------------------------------------------------------------

  function renderTokenPrompt(notice) {
    const input = h('input', {
      type: 'password',
      autocomplete: 'off',
      testid: 'admin-token-input',
      placeholder: 'ADMIN_TOKEN',
      required: true,
    });
    const error = alertBox('error', 'token-error');
    const submit = h('button', { type: 'submit', testid: 'admin-token-submit', text: 'Continue' });
    const form = h(
      'form',
      {
        class: 'card',
        testid: 'token-form',
        onsubmit: async (event) => {
          event.preventDefault();
          const given = input.value.trim();
          if (!given) return;
          submit.disabled = true;
          hide(error);
          try {
            await request('GET', '/api/connections', undefined, given);
            sessionStorage.setItem(TOKEN_KEY, given);
            render();
          } catch (err) {
            show(error, err.status === 401 ? 'That token was not accepted.' : err.message);
            submit.disabled = false;
          }
        },
      },
      h('h1', { text: 'Admin token' }),
      h('p', {
        class: 'muted',
        text: 'Enter the service’s admin token (ADMIN_TOKEN). It stays in this browser tab only and is sent with every call to the admin API.',
      }),
      notice && h('div', { class: 'alert note', text: notice }),
      field('Admin token', input),
      error,
      h('div', { class: 'actions' }, submit),
    );
    main.append(form);
    input.focus();
  }

  // ----- list ----------------------------------------------------------------------------------

  const KIND_LABEL = { intercom_source: 'Intercom → Amplitude', intercom_destination: 'Amplitude → Intercom' };

  function renderList(gen) {
    const slot = h('div');
    const error = alertBox('error', 'page-error');
    const body = h('tbody');
    const empty = h(
      'div',
      { class: 'empty', testid: 'connections-empty', hidden: true },
      'No connections yet. Create an Intercom source or an Amplitude → Intercom sync.',
    );
    const openForm = (which, prefill) => {
      slot.replaceChildren(which === 'source' ? sourceForm(slot, prefill) : destinationForm(slot));
      const first = slot.querySelector('input');
      if (first) first.focus();
    };
    main.append(
      h(
        'div',
        { class: 'page-head' },
        h(
          'div',
          {},
          h('h1', { text: 'Connections' }),
          h('p', { class: 'muted', text: 'Intercom sources and Amplitude → Intercom syncs.' }),
        ),
        h(
          'div',
          { class: 'actions' },
          h('button', {
            type: 'button',
            testid: 'new-source-button',
            text: 'New Intercom source',
            onclick: () => openForm('source'),
          }),
          h('button', {
            type: 'button',
            class: 'secondary',
            testid: 'new-destination-button',
            text: 'New Amplitude → Intercom sync',
            onclick: () => openForm('destination'),
          }),
        ),
      ),
      slot,
      error,
      h(
        'div',
        { class: 'card' },
        h(
          'table',
          { testid: 'connections-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { text: 'Name' }),
              h('th', { text: 'Type' }),
              h('th', { text: 'Amplitude project / Intercom workspace' }),
              h('th', { text: 'Status' }),
            ),
          ),
          body,
        ),
        empty,
      ),
    );
    if (memory.open) {
      openForm(memory.open.which, memory.open.prefill);
      memory.open = null;
    }
    poll(gen, LIST_POLL_MS, async () => {
      try {
        const data = await api('GET', '/api/connections');
        if (gen !== generation) return;
        hide(error);
        const rows = data.connections.map((c) =>
          h(
            'tr',
            { testid: 'connection-row', 'data-connection-id': c.id },
            h(
              'td',
              {},
              navLink(`/setup/connections/${enc(c.id)}`, { testid: 'connection-link', text: c.name || c.id }),
              h('div', { class: 'muted small mono', text: c.id }),
            ),
            h('td', { text: KIND_LABEL[c.kind] || c.kind }),
            h('td', {
              class: 'mono',
              text: [c.amplitudeProjectId, c.intercomWorkspaceId].filter(Boolean).join(' / ') || '—',
            }),
            h('td', {}, badge(c.status, 'connection-status')),
          ),
        );
        body.replaceChildren(...rows);
        empty.hidden = rows.length > 0;
      } catch (err) {
        if (gen === generation) show(error, err.message);
        throw err;
      }
    });
  }

  const SOURCE_STEPS = ['Amplitude project', 'Connect to Intercom', 'Choose user property', 'First event'];

  function stepper(current) {
    return h(
      'ol',
      { class: 'stepper', testid: 'stepper' },
      SOURCE_STEPS.map((label, index) =>
        h('li', { class: index < current ? 'done' : index === current ? 'current' : '', text: label }),
      ),
    );
  }

  function sourceForm(slot, prefill) {
    const project = h('input', {
      type: 'text',
      testid: 'source-project-id',
      required: true,
      value: prefill || '',
      autocomplete: 'off',
    });
    const apiKey = h('input', { type: 'password', testid: 'source-api-key', required: true, autocomplete: 'off' });
    const region = h(
      'select',
      { testid: 'source-region' },
      h('option', { value: 'US', text: 'US' }),
      h('option', { value: 'EU', text: 'EU' }),
    );
    const error = alertBox('error', 'form-error');
    const submit = h('button', { type: 'submit', testid: 'source-create', text: 'Next' });
    return h(
      'form',
      {
        class: 'card',
        testid: 'source-form',
        onsubmit: async (event) => {
          event.preventDefault();
          submit.disabled = true;
          hide(error);
          try {
            const created = await api('POST', '/api/sources', {
              amplitudeProjectId: project.value.trim(),
              amplitudeApiKey: apiKey.value.trim(),
              amplitudeRegion: region.value,
            });
            memory.authorizeUrls.set(created.connectionId, created.authorizeUrl);
            navigate(`/setup/connections/${enc(created.connectionId)}`);
          } catch (err) {
            show(error, err.message);
            submit.disabled = false;
          }
        },
      },
      h('h2', { text: 'New Intercom source' }),
      stepper(0),
      h('p', {
        class: 'muted',
        text: 'Intercom events will stream into this Amplitude project as “[Intercom] <topic>” events.',
      }),
      field('Amplitude project ID', project),
      field('Amplitude API key', apiKey, 'The project’s API key (Settings → Projects). Stored encrypted.'),
      field('Amplitude data region', region),
      error,
      h(
        'div',
        { class: 'actions' },
        submit,
        h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => slot.replaceChildren() }),
      ),
    );
  }

  function destinationForm(slot) {
    const name = h('input', { type: 'text', testid: 'destination-name', required: true, autocomplete: 'off' });
    const accessToken = h('input', {
      type: 'password',
      testid: 'destination-token',
      required: true,
      autocomplete: 'off',
    });
    const region = h(
      'select',
      { testid: 'destination-region' },
      ['US', 'EU', 'AU'].map((r) => h('option', { value: r, text: r })),
    );
    const error = alertBox('error', 'form-error');
    const submit = h('button', { type: 'submit', testid: 'destination-create', text: 'Create sync' });
    return h(
      'form',
      {
        class: 'card',
        testid: 'destination-form',
        onsubmit: async (event) => {
          event.preventDefault();
          submit.disabled = true;
          hide(error);
          try {
            const created = await api('POST', '/api/destinations', {
              name: name.value.trim(),
              intercomAccessToken: accessToken.value.trim(),
              intercomRegion: region.value,
            });
            memory.ingestKeys.set(created.connectionId, { key: created.ingestKey, endpoints: created.endpoints });
            navigate(`/setup/connections/${enc(created.connectionId)}`);
          } catch (err) {
            show(error, err.message);
            submit.disabled = false;
          }
        },
      },
      h('h2', { text: 'New Amplitude → Intercom sync' }),
      h('p', {
        class: 'muted',
        text: 'Sends Amplitude events and user properties to one Intercom workspace. Everything starts off: choose what to send after creating it.',
      }),
      field('Name', name),
      field(
        'Intercom access token',
        accessToken,
        'From your Intercom app (Developer Hub → Authentication). Stored encrypted.',
      ),
      field('Intercom region', region),
      error,
      h(
        'div',
        { class: 'actions' },
        submit,
        h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => slot.replaceChildren() }),
      ),
    );
  }

  // ----- one connection ------------------------------------------------------------------------

  async function renderConnection(id, gen) {
    const loading = h('p', { class: 'muted', text: 'Loading…' });
    main.append(navLink('/setup', { class: 'back', testid: 'back-link', text: '← All connections' }), loading);
    let record;
    try {
      const data = await api('GET', '/api/connections');
      record = data.connections.find((c) => c.id === id);
    } catch (err) {
      if (gen === generation)
        loading.replaceWith(h('div', { class: 'alert error', testid: 'page-error', text: err.message }));
      return;
    }
    if (gen !== generation) return;
    if (!record) {
      loading.replaceWith(
        h('div', { class: 'alert error', testid: 'page-error', text: `There is no connection ${id}.` }),
      );
      return;
    }
    loading.remove();
    const statusBadge = badge(record.status, 'status');
    const error = alertBox('error', 'page-error');
    main.append(
      h(
        'div',
        { class: 'page-head' },
        h(
          'div',
          {},
          h('h1', { testid: 'connection-name', text: record.name || id }),
          h(
            'div',
            { class: 'muted small' },
            KIND_LABEL[record.kind] || record.kind,
            ' · ',
            h('span', { class: 'mono', text: id }),
            ' · workflow ',
            h('span', { class: 'mono', text: record.workflowId }),
          ),
        ),
        statusBadge,
      ),
      error,
    );
    const view = record.kind === 'intercom_destination' ? destinationView(id, record) : sourceView(id, record);
    main.append(view.root);
    poll(gen, POLL_MS, async () => {
      try {
        const status = await api('GET', `/api/connections/${enc(id)}`);
        if (gen !== generation) return;
        hide(error);
        setBadge(statusBadge, status.status);
        view.update(status);
      } catch (err) {
        if (gen === generation) show(error, err.message);
        throw err;
      }
    });
  }

  /** Buttons every connection has: pause/resume and disconnect (with a confirmation). */
  function controls(id, error, extra) {
    const pause = h('button', { type: 'button', class: 'secondary', testid: 'pause', text: 'Pause' });
    const resume = h('button', { type: 'button', class: 'secondary', testid: 'resume', text: 'Resume', hidden: true });
    const disconnect = h('button', { type: 'button', class: 'danger', testid: 'disconnect', text: 'Disconnect' });
    const action = (name, button, question) => async () => {
      if (question && !window.confirm(question)) return;
      button.disabled = true;
      hide(error);
      try {
        await api('POST', `/api/connections/${enc(id)}/${name}`);
      } catch (err) {
        show(error, err.message);
      } finally {
        button.disabled = false;
      }
    };
    pause.addEventListener('click', action('pause', pause));
    resume.addEventListener('click', action('resume', resume));
    disconnect.addEventListener(
      'click',
      action(
        'disconnect',
        disconnect,
        'Disconnect this connection? Its workflow stops and its Intercom access is removed.',
      ),
    );
    const root = h(
      'div',
      { class: 'card', testid: 'controls' },
      h('h2', { text: 'Manage' }),
      error,
      h('div', { class: 'actions' }, extra, pause, resume, disconnect),
    );
    return {
      root,
      update(status, paused, gone) {
        root.hidden = gone;
        pause.hidden = paused;
        resume.hidden = !paused;
      },
      pauseAllowed(allowed) {
        if (!allowed) pause.hidden = true;
      },
    };
  }

  const IDENTITY_LABEL = { user_id: 'User ID', email: 'Email (falls back to User ID)' };

  function sourceView(id, record) {
    const wizard = h('div', { class: 'card', testid: 'wizard' });
    const facts = h('dl', { class: 'facts' });
    const counters = h('div');
    const lastError = h('div');
    const details = h(
      'div',
      { class: 'card', testid: 'details' },
      h('h2', { text: 'Activity' }),
      facts,
      counters,
      lastError,
    );
    const manage = controls(id, alertBox('error', 'action-error'));
    let step;
    let chosen = false;

    const stepOf = (s) => {
      switch (s.phase) {
        case 'authorizing':
          return 'connect';
        case 'configuring':
          // The choice is saved; the workflow moves on to listening a moment later.
          return chosen || (s.settings && s.settings.identityMapping) ? 'listening' : 'identity';
        case 'listening':
          return 'listening';
        case 'streaming':
          return 'connected';
        case 'paused':
          return 'paused';
        case 'disconnecting':
        case 'disconnected':
          return 'disconnected';
        default:
          return s.status === 'Disconnected' ? 'disconnected' : 'unknown';
      }
    };

    const project = record.amplitudeProjectId || '';

    const steps = {
      connect() {
        const error = alertBox('error', 'connect-error');
        const button = h('button', { type: 'button', testid: 'connect-intercom', text: 'Connect to Intercom' });
        button.addEventListener('click', async () => {
          button.disabled = true;
          hide(error);
          try {
            let url = memory.authorizeUrls.get(id);
            memory.authorizeUrls.delete(id); // single use
            if (!url) url = (await api('POST', `/api/sources/${enc(id)}/authorize`)).authorizeUrl;
            const target = new URL(url, location.href);
            if (target.protocol !== 'https:' && target.protocol !== 'http:')
              throw new Error('unexpected authorize URL');
            location.assign(target.href);
          } catch (err) {
            show(error, err.message);
            button.disabled = false;
          }
        });
        return [
          stepper(1),
          h('h2', { text: 'Connect to Intercom' }),
          h('p', {
            text: `Authorize access to the Intercom workspace whose activity should stream into Amplitude project ${project}. You will sign in to Intercom and come back here.`,
          }),
          error,
          h('div', { class: 'actions' }, button),
        ];
      },
      identity(s) {
        const error = alertBox('error', 'identity-error');
        const option = (value, title, description) =>
          h(
            'label',
            { class: 'choice' },
            h('input', {
              type: 'radio',
              name: 'identity',
              value,
              testid: `identity-${value}`,
              checked: s.settings && s.settings.identityMapping === value,
            }),
            h('span', {}, h('strong', { text: title }), h('span', { class: 'muted small', text: description })),
          );
        const next = h('button', { type: 'submit', testid: 'identity-next', text: 'Next' });
        const form = h(
          'form',
          {
            testid: 'identity-form',
            onsubmit: async (event) => {
              event.preventDefault();
              const picked = form.querySelector('input[name="identity"]:checked');
              if (!picked) {
                show(error, 'Choose which Intercom property identifies users in Amplitude.');
                return;
              }
              next.disabled = true;
              hide(error);
              try {
                await api('PATCH', `/api/sources/${enc(id)}/settings`, { identityMapping: picked.value });
                chosen = true;
                showStep({ ...s, settings: { identityMapping: picked.value } }, 'listening');
              } catch (err) {
                show(error, err.message);
                next.disabled = false;
              }
            },
          },
          stepper(2),
          h('h2', { text: 'Choose the Intercom user property' }),
          h('p', { text: 'Which Intercom property becomes the Amplitude User ID of the events?' }),
          option('user_id', IDENTITY_LABEL.user_id, 'The user_id (external id) of the Intercom contact.'),
          option(
            'email',
            IDENTITY_LABEL.email,
            'The contact’s email, lowercased; contacts without an email use their User ID.',
          ),
          error,
          h('div', { class: 'actions' }, next),
        );
        return form;
      },
      listening() {
        return [
          stepper(3),
          h(
            'div',
            { class: 'listening', testid: 'listening' },
            h('div', { class: 'spinner', 'aria-hidden': 'true' }),
            h(
              'div',
              {},
              h('h2', { text: 'Listening for the first event…' }),
              h('p', {
                class: 'muted',
                text: 'Do something in Intercom (create a user, start a conversation). As soon as the first event arrives, the connection is complete.',
              }),
            ),
          ),
        ];
      },
      connected() {
        return [
          stepper(4),
          h(
            'div',
            { class: 'success', testid: 'connected' },
            h('span', { class: 'check', 'aria-hidden': 'true', text: '✓' }),
            h(
              'div',
              {},
              h('h2', { text: 'Connected' }),
              h('p', {
                class: 'muted',
                text: `Intercom events are streaming into Amplitude project ${project} as “[Intercom] <topic>” events.`,
              }),
            ),
          ),
          h(
            'div',
            { class: 'actions' },
            h('button', { type: 'button', testid: 'finish', text: 'Finish', onclick: () => navigate('/setup') }),
          ),
        ];
      },
      paused() {
        return [
          h('h2', { text: 'Paused' }),
          h('p', {
            class: 'muted',
            text: 'Webhooks are still received and stored; delivery to Amplitude resumes when you resume the connection.',
          }),
        ];
      },
      disconnected() {
        return [
          h('h2', { text: 'Disconnected' }),
          h('p', {
            class: 'muted',
            text: 'This connection no longer receives Intercom events. Create the source again to reconnect (you will need the Amplitude API key).',
          }),
          h(
            'div',
            { class: 'actions' },
            h('button', {
              type: 'button',
              testid: 'reconnect',
              text: 'Reconnect',
              onclick: () => {
                memory.open = { which: 'source', prefill: project };
                navigate('/setup');
              },
            }),
          ),
        ];
      },
      unknown(s) {
        return [
          h('h2', { text: s.status || 'Unknown' }),
          h('p', { class: 'muted', text: 'The connection’s workflow is not running.' }),
        ];
      },
    };

    function showStep(s, next) {
      step = next;
      wizard.replaceChildren(...[steps[next](s)].flat());
    }

    return {
      root: h('div', {}, wizard, details, manage.root),
      update(s) {
        const next = stepOf(s);
        if (next !== step) showStep(s, next);
        const mapping = s.settings && s.settings.identityMapping;
        facts.replaceChildren(
          h('dt', { text: 'Amplitude project' }),
          h('dd', { class: 'mono', text: s.amplitudeProjectId || project || '—' }),
          h('dt', { text: 'Intercom workspace' }),
          h('dd', { class: 'mono', testid: 'workspace-id', text: s.workspaceId || '—' }),
          h('dt', { text: 'User property' }),
          h('dd', {
            testid: 'identity-mapping',
            text: mapping ? IDENTITY_LABEL[mapping] || mapping : 'not chosen yet',
          }),
          h('dt', { text: 'Connected since' }),
          h('dd', { text: when(s.connectedAt) }),
          h('dt', { text: 'Last event' }),
          h('dd', { text: when(s.lastEventAt) }),
        );
        counters.replaceChildren(
          ...stats([
            { key: 'received', label: 'Received', value: s.received },
            { key: 'delivered', label: 'Delivered', value: s.delivered },
            { key: 'pending', label: 'Pending', value: s.pending },
            { key: 'dropped', label: 'Dropped', value: s.dropped || {} },
          ]),
        );
        lastError.replaceChildren(...[lastErrorBox(s.lastError)].filter(Boolean));
        manage.update(s, s.phase === 'paused', next === 'disconnected' || next === 'unknown');
        // Pausing means holding delivery: only meaningful once the connection listens.
        manage.pauseAllowed(s.phase === 'listening' || s.phase === 'streaming');
      },
    };
  }

  function destinationView(id, record) {
    const keyCard = h('div', { class: 'card', testid: 'ingest-key-card', hidden: true });
    const facts = h('dl', { class: 'facts' });
    const counters = h('div');
    const lastError = h('div');
    const activity = h(
      'div',
      { class: 'card', testid: 'details' },
      h('h2', { text: 'Activity' }),
      facts,
      counters,
      lastError,
    );
    const settingsCard = h('div', { class: 'card', testid: 'settings-card', hidden: true });
    const actionError = alertBox('error', 'action-error');
    const rotate = h('button', {
      type: 'button',
      class: 'secondary',
      testid: 'rotate-ingest-key',
      text: 'New ingest key',
    });
    rotate.addEventListener('click', async () => {
      if (!window.confirm('Issue a new ingest key? The current key stops working at once.')) return;
      rotate.disabled = true;
      hide(actionError);
      try {
        const { ingestKey } = await api('POST', `/api/destinations/${enc(id)}/ingest-key`);
        showKey(ingestKey);
      } catch (err) {
        show(actionError, err.message);
      } finally {
        rotate.disabled = false;
      }
    });
    const manage = controls(id, actionError, rotate);
    let formShown = false;

    function showKey(key) {
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
      keyCard.replaceChildren(
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
              keyCard.replaceChildren();
              keyCard.hidden = true;
            },
          }),
        ),
      );
      keyCard.hidden = false;
    }

    const once = memory.ingestKeys.get(id);
    if (once) {
      memory.ingestKeys.delete(id);
      showKey(once.key);
    }

    return {
      root: h('div', {}, keyCard, activity, settingsCard, manage.root),
      update(s) {
        facts.replaceChildren(
          h('dt', { text: 'Intercom workspace' }),
          h('dd', { class: 'mono', text: s.workspaceId || record.intercomWorkspaceId || '—' }),
          h('dt', { text: 'Last sent' }),
          h('dd', { text: when(s.lastSentAt) }),
        );
        counters.replaceChildren(
          ...stats([
            { key: 'sent', label: 'Sent', value: s.sent },
            { key: 'pending', label: 'Pending', value: s.pending },
            { key: 'parked', label: 'Parked', value: s.parked },
            { key: 'skipped', label: 'Skipped', value: s.skipped || {} },
            { key: 'expired', label: 'Expired', value: s.expired || {} },
          ]),
        );
        lastError.replaceChildren(...[lastErrorBox(s.lastError)].filter(Boolean));
        const gone = s.status === 'Disconnected' || !s.settings;
        manage.update(s, s.status === 'Paused', gone);
        rotate.hidden = gone;
        if (!formShown && s.settings && !gone) {
          formShown = true;
          settingsCard.replaceChildren(settingsForm(id, s.settings));
          settingsCard.hidden = false;
        }
        if (gone) settingsCard.hidden = true;
      },
    };
  }

  /** Every destination setting. Save sends one PATCH; the API's validation message is shown as is. */
  function settingsForm(id, initial) {
    const usersEnabled = h('input', { type: 'checkbox', testid: 'setting-users-enabled' });
    const userProperties = h('input', {
      type: 'text',
      testid: 'setting-user-properties',
      placeholder: 'plan, company',
      autocomplete: 'off',
    });
    const eventsEnabled = h('input', { type: 'checkbox', testid: 'setting-events-enabled' });
    const allEvents = h('input', { type: 'checkbox', testid: 'setting-all-events' });
    const eventTypes = h('input', {
      type: 'text',
      testid: 'setting-event-types',
      placeholder: 'Purchased, Signed Up',
      autocomplete: 'off',
    });
    const eventProperties = h('input', {
      type: 'text',
      testid: 'setting-event-properties',
      placeholder: 'plan, amount',
      autocomplete: 'off',
    });
    const conditionsNote = h('div', { class: 'hint', testid: 'setting-conditions' });
    const intercomUser = h(
      'select',
      { testid: 'setting-intercom-user' },
      h('option', { value: 'external_id', text: 'External ID' }),
      h('option', { value: 'email', text: 'Email' }),
    );
    const fromKind = h(
      'select',
      { testid: 'setting-from-kind' },
      h('option', { value: 'user_id', text: 'Amplitude User ID' }),
      h('option', { value: 'user_property', text: 'Amplitude user property' }),
      h('option', { value: 'event_property', text: 'Amplitude event property' }),
    );
    const fromName = h('input', {
      type: 'text',
      testid: 'setting-from-name',
      placeholder: 'property name',
      autocomplete: 'off',
    });
    const fromNameField = field('Property name', fromName);
    const status = h(
      'select',
      { testid: 'setting-status' },
      h('option', { value: 'enabled', text: 'Enabled' }),
      h('option', { value: 'disabled', text: 'Disabled' }),
    );
    const error = alertBox('error', 'settings-error');
    const saved = alertBox('ok', 'settings-saved');
    const save = h('button', { type: 'submit', testid: 'settings-save', text: 'Save' });
    const usersBlock = h(
      'div',
      { class: 'indent' },
      field(
        'User properties',
        userProperties,
        'Comma-separated Amplitude user property names, copied to Intercom contact attributes.',
      ),
    );
    const eventsBlock = h(
      'div',
      { class: 'indent' },
      h('label', { class: 'toggle' }, allEvents, 'All events'),
      field('Event types', eventTypes, 'Comma-separated Amplitude event types to send.'),
      conditionsNote,
      field(
        'Event properties',
        eventProperties,
        'Comma-separated event property names sent as Intercom event metadata.',
      ),
    );

    const sync = () => {
      usersBlock.hidden = !usersEnabled.checked;
      eventsBlock.hidden = !eventsEnabled.checked;
      eventTypes.disabled = allEvents.checked;
      fromNameField.hidden = fromKind.value === 'user_id';
    };

    const fill = (settings) => {
      usersEnabled.checked = settings.createUpdateUsers.enabled;
      userProperties.value = settings.createUpdateUsers.userProperties.join(', ');
      eventsEnabled.checked = settings.sendEvents.enabled;
      allEvents.checked = settings.sendEvents.eventFilter.allEvents;
      eventTypes.value = settings.sendEvents.eventFilter.eventTypes.join(', ');
      eventProperties.value = settings.sendEvents.eventProperties.join(', ');
      const conditions = settings.sendEvents.eventFilter.conditions.length;
      conditionsNote.textContent =
        conditions > 0
          ? `${conditions} property condition${conditions === 1 ? '' : 's'} narrow this filter (kept as they are; edit them through the API).`
          : '';
      conditionsNote.hidden = conditions === 0;
      intercomUser.value = settings.mapping.intercomUser;
      fromKind.value = settings.mapping.from.kind;
      fromName.value = settings.mapping.from.name || '';
      status.value = settings.status;
      sync();
    };

    for (const input of [usersEnabled, eventsEnabled, allEvents, fromKind]) input.addEventListener('change', sync);

    const form = h(
      'form',
      {
        testid: 'settings-form',
        oninput: () => hide(saved),
        onsubmit: async (event) => {
          event.preventDefault();
          save.disabled = true;
          hide(error);
          hide(saved);
          const from =
            fromKind.value === 'user_id' ? { kind: 'user_id' } : { kind: fromKind.value, name: fromName.value.trim() };
          try {
            const result = await api('PATCH', `/api/destinations/${enc(id)}/settings`, {
              createUpdateUsers: { enabled: usersEnabled.checked, userProperties: list(userProperties.value) },
              sendEvents: {
                enabled: eventsEnabled.checked,
                eventFilter: { eventTypes: list(eventTypes.value), allEvents: allEvents.checked },
                eventProperties: list(eventProperties.value),
              },
              mapping: { intercomUser: intercomUser.value, from },
              status: status.value,
            });
            fill(result.settings);
            show(saved, 'Saved.');
          } catch (err) {
            show(error, err.message);
          } finally {
            save.disabled = false;
          }
        },
      },
      h('h2', { text: 'Settings' }),
      h(
        'div',
        { class: 'section' },
        h('label', { class: 'toggle' }, usersEnabled, 'Create & Update Users'),
        h('p', { class: 'muted small', text: 'Identifies create or update Intercom contacts.' }),
        usersBlock,
      ),
      h(
        'div',
        { class: 'section' },
        h('label', { class: 'toggle' }, eventsEnabled, 'Send Events'),
        h('p', { class: 'muted small', text: 'Events go to contacts that exist in Intercom.' }),
        eventsBlock,
      ),
      h(
        'div',
        { class: 'section' },
        h('h3', { text: 'Mapping' }),
        h('div', { class: 'row' }, field('Intercom user', intercomUser), field('comes from', fromKind), fromNameField),
      ),
      h('div', { class: 'section' }, field('Status', status, 'Disabled sends nothing and queues nothing.')),
      error,
      saved,
      h('div', { class: 'actions' }, save),
    );
    fill(initial);
    return form;
  }

  render();
})();
