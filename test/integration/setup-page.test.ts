import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { itemForTopic } from '../../testkit/simulators/intercom';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { waitForConnection } from '../../testkit/connection';
import { amplitudeEvent, createSync, ingest } from '../../testkit/destination-flow';
import { onboardSource } from '../../testkit/source-flow';

/** Debian's Chromium; .ci/run installs it when missing. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The Amplitude API keys the simulated Amplitude accepts; any other key gets 400 "Invalid API key". */
const AMPLITUDE_KEYS = ['amp-page-key', 'amp-good-key'];

/**
 * The setup page in headless Chromium against the real stack. Each test drives one state a user meets —
 * onboarding with drops while listening, a source's Error and its fix, backfill progress, a reconnect whose
 * counters carry over, a sync's settings with labelled errors and warnings, pending vs parked and event-type
 * slots, a sync's Error and its token replacement — asserts on the page's DOM, and saves a screenshot of the
 * state (in a temp dir, printed at the end) for a human to look at.
 */
describe('setup page (headless Chromium)', () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let screenshots: string;
  /** Script errors on the page (failed API calls the page handles are not problems). */
  const pageProblems: string[] = [];

  /** Set when Chromium is not installed: every test then fails with this message (never skips). */
  let missingBrowser: Error | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      missingBrowser = new Error(
        `Chromium is missing at ${CHROMIUM}: the setup page test needs it. ` +
          'Install it with `apt-get install chromium` (as .ci/run does).',
      );
      return;
    }
    screenshots = mkdtempSync(path.join(tmpdir(), 'setup-page-'));
    [h, browser] = await Promise.all([
      startHarness({ amplitude: { apiKeys: AMPLITUDE_KEYS } }),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ]);
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('pageerror', (err) => pageProblems.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageProblems.push(msg.text());
    });
  });
  beforeEach(() => {
    if (missingBrowser) throw missingBrowser;
    pageProblems.length = 0;
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
    if (screenshots) console.log(`setup page screenshots: ${screenshots}`);
  });

  const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
  const text = (id: string) => byTestId(id).first().textContent();
  /** Waits until the element is visible and its text matches (the page polls the API: values arrive a moment later). */
  const waitForText = (id: string, pattern: RegExp) =>
    expect
      .poll(
        async () => {
          const element = byTestId(id).first();
          return (await element.isVisible()) ? element.textContent({ timeout: 1_000 }) : '(not visible)';
        },
        { timeout: 20_000, interval: 100 },
      )
      .toMatch(pattern);
  const screenshot = (name: string) => page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
  const webhooks = () => `${h.apiUrl}/intercom/webhooks`;
  const contactCreated = (appId: string, contact: { externalId?: string; email?: string | null }) => ({
    appId,
    topic: 'contact.user.created',
    item: itemForTopic('contact.user.created', { appId, contact: { id: uniqueId('contact'), ...contact } }),
  });
  const isoDate = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

  /** Opens a page, giving the admin token when the tab does not have it yet. */
  async function open(pathname: string) {
    await page.goto(`${h.apiUrl}${pathname}`);
    if (
      await byTestId('admin-token-input')
        .isVisible({ timeout: 2_000 })
        .catch(() => false)
    ) {
      await byTestId('admin-token-input').fill(h.adminToken);
      await byTestId('admin-token-submit').click();
    }
  }

  it('onboards an Intercom source with labelled errors, an event naming choice, and drops shown while listening', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Setup page workspace' });
    h.intercom.setOAuthWorkspace(appId);
    const projectId = uniqueId('page');
    const connectionId = `source-${projectId}`;

    await page.goto(`${h.apiUrl}/setup`);
    // A wrong token is refused on the spot, and the page asks again.
    await byTestId('admin-token-input').fill('not-the-token');
    await byTestId('admin-token-submit').click();
    await waitForText('token-error', /not accepted/);
    await byTestId('admin-token-input').fill(h.adminToken);
    await byTestId('admin-token-submit').click();
    await byTestId('connections-table').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(1);

    await byTestId('new-source-button').click();
    // Labels and help come from the API's schema (the form renders once the schema has loaded).
    const projectLabel = page.locator('label[for]', { hasText: 'Amplitude project ID' });
    await projectLabel.first().waitFor();
    expect(await projectLabel.count()).toBe(1);
    expect(await text('source-api-key-hint')).toMatch(/Settings → Projects/);
    // The API refuses the project id: the message names the field by its label, beside the field and above.
    await byTestId('source-project-id').fill('not a project!');
    await byTestId('source-api-key').fill('amp-page-key');
    await byTestId('source-create').click();
    await waitForText('form-error', /^Amplitude project ID: letters, digits, - and _ only/);
    expect(await text('source-project-id-error')).toMatch(/^letters, digits/);
    expect(await byTestId('source-project-id').getAttribute('aria-invalid')).toBe('true');
    expect(await byTestId('source-form').textContent()).not.toContain('amplitudeProjectId');
    await screenshot('01-source-form-error');

    await byTestId('source-project-id').fill(projectId);
    await byTestId('source-region').selectOption('EU');
    await byTestId('source-create').click();
    await page.waitForURL(`**/setup/connections/${connectionId}`);

    // Through the simulator's consent screen (it redirects at once) and our OAuth callback, back to this page.
    await byTestId('connect-intercom').click();
    await page.waitForURL((url) => url.pathname === `/setup/connections/${connectionId}` && url.search === '', {
      waitUntil: 'load',
    });
    await byTestId('identity-form').waitFor();
    // Amplitude's own naming is chosen unless the user picks the other one.
    expect(await byTestId('naming-as_sent').isChecked()).toBe(true);
    await byTestId('identity-next').click();
    await waitForText('identity-step-error', /^Intercom user property: choose one\.$/);
    await byTestId('identity-email').check();
    await byTestId('naming-normalized').check();
    await byTestId('identity-next').click();
    await waitForText('listening', /Listening for the first event/);
    await waitForConnection(h, connectionId, (s) => s.phase === 'listening');
    expect((await h.admin('GET', `/api/connections/${connectionId}`)).body.settings).toEqual({
      identityMapping: 'email',
      eventNaming: 'normalized',
    });
    await waitForText('listening-drops', /Nothing received yet/);

    // An event without any identity is dropped: the Listening screen says why it is still listening.
    const anonymous = await h.intercom.deliverWebhook(
      webhooks(),
      contactCreated(appId, { externalId: '', email: null }),
    );
    expect(anonymous.status).toBe(200);
    await waitForText('listening-drops', /^Received 1 event, dropped 1: No identity \(1\)\.$/);
    const reason = byTestId('listening-drops').locator('[data-testid="reason"]');
    expect(await reason.getAttribute('data-reason')).toBe('no_identity');
    expect(await reason.getAttribute('title')).toMatch(/Code: no_identity$/);
    expect(await text('dropped-no_identity')).toBe('Dropped · No identity: 1');
    await screenshot('02-listening-with-drops');

    const delivery = await h.intercom.deliverWebhook(
      webhooks(),
      contactCreated(appId, { externalId: 'u-1', email: 'a@example.com' }),
    );
    expect(delivery.status).toBe(200);
    await waitForText('connected', /Connected/);
    await waitForText('status', /^Connected$/);
    await waitForText('counter-delivered', /^1$/);
    expect(await text('counter-received')).toBe('2');
    expect(await text('identity-mapping')).toBe('Email (falls back to User ID)');
    expect(await text('event-naming')).toBe('Normalized to API 2.x topics');
    expect(await text('workspace-id')).toBe(appId);
    expect(await byTestId('counters-carried-over').isHidden()).toBe(true);
    await screenshot('03-connected');
    expect(h.amplitude.events.map((e) => e.event.user_id)).toEqual(['a@example.com']);

    await byTestId('finish').click();
    await page.waitForURL((url) => url.pathname === '/setup');
    const row = page.locator(`[data-testid="connection-row"][data-connection-id="${connectionId}"]`);
    await row.waitFor();
    await expect
      .poll(() => row.locator('[data-testid="connection-status"]').textContent(), { timeout: 15_000 })
      .toBe('Connected');

    // Opened again later, a connected source shows its activity, not the end of an onboarding.
    await row.locator('[data-testid="connection-link"]').click();
    await waitForText('counter-delivered', /^1$/);
    expect(await byTestId('wizard').isHidden()).toBe(true);
    expect(await byTestId('finish').count()).toBe(0);
    expect(pageProblems).toEqual([]);
  });

  it('shows a source’s Error with what to do: Amplitude rejected the key → replace it → Connected; then a backfill and its progress', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Rejected key workspace' });
    const { connectionId } = await onboardSource(h, {
      projectId: uniqueId('badkey'),
      appId,
      identityMapping: 'user_id',
      amplitudeApiKey: 'amp-revoked-key',
    });
    await waitForConnection(h, connectionId, (s) => s.phase === 'listening');
    await open(`/setup/connections/${connectionId}`);
    await waitForText('listening-drops', /Nothing received yet/);

    await h.intercom.deliverWebhook(webhooks(), contactCreated(appId, { externalId: 'held-user' }));
    await waitForText('status', /^Error$/);
    await waitForText('error-title', /^Error: Amplitude rejected the API key$/);
    expect(await byTestId('error-title').locator('.reason').getAttribute('title')).toBe('Code: amplitude_key_rejected');
    expect(await text('error-help')).toMatch(/Replace the key to resume/);
    expect(await byTestId('wizard').isHidden()).toBe(true);
    await screenshot('04-source-error');

    // The right key clears the error and the held event is sent.
    await byTestId('fix-input').fill('amp-good-key');
    await byTestId('fix-submit').click();
    await waitForText('fix-done', /replaced/);
    await waitForText('status', /^Connected$/);
    await waitForText('counter-delivered', /^1$/);
    expect(await byTestId('error-state').isHidden()).toBe(true);
    // The onboarding this page watched ends with Connected.
    await waitForText('connected', /Connected/);
    expect(h.amplitude.events.filter((e) => e.apiKey === 'amp-good-key').map((e) => e.event.user_id)).toContain(
      'held-user',
    );

    // Backfill: its form comes from the API's schema; its progress from the status.
    h.intercom.seedContacts(appId, [{ externalId: 'old-1' }, { externalId: 'old-2' }, { externalId: 'old-3' }]);
    await byTestId('backfill-card').waitFor();
    expect(await byTestId('backfill-objects-contacts').isChecked()).toBe(true);
    await byTestId('backfill-since').fill(isoDate(2));
    await byTestId('backfill-until').fill(isoDate(-2));
    await byTestId('backfill-start').click();
    await waitForText('backfill-error', /since must be before until/);
    await byTestId('backfill-since').fill(isoDate(-2));
    await byTestId('backfill-until').fill(isoDate(2));
    await byTestId('backfill-objects-conversations').uncheck();
    await byTestId('backfill-start').click();
    await waitForText('backfill-sent', /requested/);
    await waitForText('backfill-state', /^Completed$/);
    await waitForText('backfill-contacts', /^Contacts: 3 scanned, 3 imported ✓$/);
    expect(await byTestId('backfill-conversations').count()).toBe(0);
    await screenshot('05-backfill-completed');
    expect(pageProblems).toEqual([]);
  });

  it('says why a source was disconnected, and that a reconnected source’s counters carry over', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Reconnect workspace' });
    const projectId = uniqueId('again');
    const { connectionId } = await onboardSource(h, {
      projectId,
      appId,
      identityMapping: 'user_id',
      amplitudeApiKey: 'amp-page-key',
    });
    await waitForConnection(h, connectionId, (s) => s.phase === 'listening');
    await h.intercom.deliverWebhook(webhooks(), contactCreated(appId, { externalId: '' }));
    await h.intercom.deliverWebhook(webhooks(), contactCreated(appId, { externalId: 'before-1' }));
    await waitForConnection(h, connectionId, (s) => s.delivered === 1 && s.dropped.no_identity === 1);

    await open(`/setup/connections/${connectionId}`);
    await waitForText('counter-received', /^2$/);
    page.once('dialog', (dialog) => void dialog.accept());
    await byTestId('disconnect').click();
    await waitForText('status', /^Disconnected$/);
    await waitForText('disconnect-reason', /^Disconnected by an operator: Someone chose Disconnect/);
    expect(await byTestId('disconnect-reason').locator('.reason').getAttribute('data-reason')).toBe('operator');
    await screenshot('06-disconnected');

    h.intercom.setOAuthWorkspace(appId);
    await byTestId('reconnect').click();
    await page.waitForURL((url) => url.pathname === '/setup');
    expect(await byTestId('source-project-id').inputValue()).toBe(projectId);
    await byTestId('source-api-key').fill('amp-page-key');
    await byTestId('source-create').click();
    await page.waitForURL(`**/setup/connections/${connectionId}`);
    await waitForText('counters-carried-over', /counters carry over from the earlier connection/);
    expect(await text('counters-carried-over')).toMatch(
      /2 events received before then \(1 delivered, dropped: No identity \(1\)\)\.$/,
    );
    // The tiles still count everything; the Listening screen counts only the new connection.
    await byTestId('connect-intercom').click();
    await page.waitForURL((url) => url.pathname === `/setup/connections/${connectionId}` && url.search === '', {
      waitUntil: 'load',
    });
    // The identity choice carried over too: straight to listening.
    await waitForText('listening-drops', /^Nothing received yet\.$/);
    expect(await text('counter-received')).toBe('2');
    await h.intercom.deliverWebhook(webhooks(), contactCreated(appId, { externalId: '' }));
    await waitForText('listening-drops', /^Received 1 event, dropped 1: No identity \(1\)\.$/);
    await waitForText('counter-received', /^3$/);
    await screenshot('07-reconnected-counters-carry-over');

    const status = (await h.admin('GET', `/api/connections/${connectionId}`)).body;
    expect(status.earlier).toMatchObject({ received: 2, delivered: 1, dropped: { no_identity: 1 } });
    expect(Object.keys(status.counters).filter((name) => name.startsWith('earlier:'))).toEqual([]);
    expect(pageProblems).toEqual([]);
  });

  it('creates an Amplitude → Intercom sync, shows its ingest key once and saves its settings with labelled errors and warnings', async () => {
    const { accessToken } = h.intercom.addWorkspace({ name: 'Sync workspace' });
    await open('/setup');
    await byTestId('connections-table').waitFor();

    await byTestId('new-destination-button').click();
    await byTestId('destination-name').fill('Prod <b>events</b>');
    await byTestId('destination-token').fill(accessToken);
    await byTestId('destination-create').click();
    await page.waitForURL(/\/setup\/connections\/destination-/);
    const connectionId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    // Names are rendered as text, never as markup.
    expect(await text('connection-name')).toBe('Prod <b>events</b>');

    const ingestKey = (await text('ingest-key'))!;
    expect(ingestKey.length).toBeGreaterThan(20);
    expect(await text('ingest-key-note')).toMatch(/shown only once/);
    expect((await ingest(h, ingestKey, [amplitudeEvent('Purchased', { user_id: 'u-1' })])).status).toBe(200);

    await byTestId('settings-form').waitFor();
    // "Disabled sends nothing" explains Disabled, and only while the status says Disabled.
    expect(await byTestId('setting-status').inputValue()).toBe('disabled');
    expect(await text('setting-status-hint')).toBe('Disabled sends nothing and queues nothing.');
    expect(await byTestId('setting-status-hint').isVisible()).toBe(true);
    await byTestId('setting-events-enabled').check();
    await byTestId('setting-event-types').fill('Purchased, Signed Up');
    const properties = Array.from({ length: 11 }, (_, i) => `p${i + 1}`);
    await byTestId('setting-event-properties').fill(properties.join(', '));
    await byTestId('setting-users-enabled').check();
    await byTestId('setting-user-properties').fill('plan');
    await byTestId('setting-intercom-user').selectOption('email');
    await byTestId('setting-from-kind').selectOption('user_property');
    await byTestId('setting-from-name').fill('email');
    await byTestId('setting-status').selectOption('enabled');
    expect(await byTestId('setting-status-hint').isHidden()).toBe(true);
    await byTestId('settings-save').click();
    await waitForText('settings-saved', /Saved/);
    // Intercom keeps 10 metadata keys per event: the warning the API returns, with the field's label.
    await waitForText('settings-warnings', /^Send Events › Event properties: 11 event properties are selected/);
    expect(await text('settings-warnings')).toMatch(/"p11" will be cut/);
    expect(await text('settings-warnings')).not.toContain('sendEvents.eventProperties');

    const applied = await waitForConnection(h, connectionId, (s) => s.status === 'Enabled');
    expect(applied.settings).toEqual({
      createUpdateUsers: { enabled: true, userProperties: ['plan'] },
      sendEvents: {
        enabled: true,
        eventFilter: { eventTypes: ['Purchased', 'Signed Up'], allEvents: false, conditions: [] },
        eventProperties: properties,
      },
      mapping: { intercomUser: 'email', from: { kind: 'user_property', name: 'email' } },
      status: 'enabled',
      // Not on the form: unset, loop prevention covers every source on the workspace.
      amplitudeProjectId: null,
    });
    await waitForText('status', /^Enabled$/);
    expect(await byTestId('setting-status-hint').isHidden()).toBe(true);
    await screenshot('08-sync-settings-warnings');

    // A value the API refuses: shown with the field's label and the item, beside the field; nothing changes.
    await byTestId('setting-event-types').fill('Purchased, $identify');
    await byTestId('settings-save').click();
    await waitForText(
      'settings-error',
      /^Send Events › Event filter › Event types “\$identify”: is a user property update, not an event/,
    );
    expect(await text('setting-event-types-error')).toMatch(/^“\$identify”: is a user property update/);
    expect(await text('settings-error')).not.toContain('eventTypes');
    expect(await byTestId('settings-saved').isHidden()).toBe(true);
    await screenshot('09-sync-settings-error');
    const unchanged = await h.admin('GET', `/api/connections/${connectionId}`);
    expect(unchanged.body.settings.sendEvents.eventFilter.eventTypes).toEqual(['Purchased', 'Signed Up']);

    // The key was shown once: it is not on the page when the connection is opened again.
    await page.reload();
    await byTestId('settings-form').waitFor();
    expect(await byTestId('ingest-key').count()).toBe(0);

    // Disconnect asks first; dismissing changes nothing, accepting ends the sync.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await byTestId('disconnect').click();
    expect((await h.admin('GET', `/api/connections/${connectionId}`)).body.status).toBe('Enabled');
    page.once('dialog', (dialog) => void dialog.accept());
    await byTestId('disconnect').click();
    await waitForText('status', /^Disconnected$/);
    expect(pageProblems).toEqual([]);
  });

  it('counts pending and parked apart, lists event-type slots with their last use and releases names', async () => {
    const sync = await createSync(h, {
      sendEvents: { enabled: true, eventFilter: { allEvents: true } },
      status: 'enabled',
    });
    h.intercom.seedContacts(sync.appId, [{ externalId: 'known-user' }]);
    await ingest(h, sync.ingestKey, [
      amplitudeEvent('Purchased', { user_id: 'known-user' }),
      amplitudeEvent('Signed Up', { user_id: 'not-yet-in-intercom' }),
    ]);
    await waitForConnection(h, sync.connectionId, (s) => s.sent === 1 && s.parked === 1);

    await open(`/setup/connections/${sync.connectionId}`);
    await waitForText('counter-sent', /^1$/);
    expect(await text('counter-parked')).toBe('1');
    expect(await text('counter-pending')).toBe('0');
    expect(await text('counter-event-type-slots')).toBe('1 / 120');
    // Only a sent event takes a slot: the parked one's name is not registered.
    await waitForText('slots-used', /^1 of 120 active event names used/);
    const rows = byTestId('event-type-row');
    expect(await rows.count()).toBe(1);
    // Intercom keeps event names lower-cased.
    expect(await rows.first().getAttribute('data-name')).toBe('purchased');
    expect(await rows.first().locator('[data-testid="event-type-last-used"]').textContent()).not.toBe('never');
    await screenshot('10-sync-parked-and-slots');

    await rows.first().locator('input[type="checkbox"]').check();
    page.once('dialog', (dialog) => void dialog.accept());
    await byTestId('release-event-types').click();
    await waitForText('event-types-released', /^Released: purchased\.$/);
    await waitForText('slots-used', /^0 of 120/);
    expect(await byTestId('event-type-row').count()).toBe(0);
    expect(await byTestId('event-types-empty').isVisible()).toBe(true);
    expect(pageProblems).toEqual([]);
  });

  it('shows a sync’s Error when Intercom refuses its token, and replacing the token resumes delivery', async () => {
    const sync = await createSync(h, {
      sendEvents: { enabled: true, eventFilter: { allEvents: true } },
      status: 'enabled',
    });
    h.intercom.seedContacts(sync.appId, [{ externalId: 'token-user' }]);
    h.intercom.tokens.revokeAll(sync.appId, 'access_token');
    await ingest(h, sync.ingestKey, [amplitudeEvent('Purchased', { user_id: 'token-user' })]);

    await open(`/setup/connections/${sync.connectionId}`);
    await waitForText('status', /^Error$/);
    await waitForText('error-title', /^Error: Intercom refused the access token$/);
    expect(await byTestId('error-title').locator('.reason').getAttribute('data-reason')).toBe('intercom_token_revoked');
    expect(await text('error-help')).toMatch(/Replace the token to resume/);
    await waitForText('counter-pending', /^1$/);
    await screenshot('11-sync-error');

    // A token Intercom refuses is refused here too, with its reason; a fresh token of the workspace fixes it.
    await byTestId('fix-input').fill('not-a-token');
    await byTestId('fix-submit').click();
    await waitForText('fix-error', /Intercom did not accept the access token/);
    await byTestId('fix-input').fill(h.intercom.tokens.issue(sync.appId, 'access_token'));
    await byTestId('fix-submit').click();
    await waitForText('fix-done', /replaced/);
    await waitForText('status', /^Enabled$/);
    await waitForText('counter-sent', /^1$/);
    expect(await byTestId('error-state').isHidden()).toBe(true);
    expect(h.intercom.events(sync.appId).map((e) => e.externalId)).toEqual(['token-user']);

    // The same replacement is in the Manage card at any time.
    await byTestId('replace-token-open').click();
    await byTestId('replace-token-input').fill(h.intercom.tokens.issue(sync.appId, 'access_token'));
    await byTestId('replace-token-submit').click();
    await waitForText('replace-token-done', /replaced/);
    expect(pageProblems).toEqual([]);
  });

  it('creates a cohort sync, shows its webhook address and header once, saves its tag name and shows its members', async () => {
    const workspace = h.intercom.addWorkspace({ name: 'Cohort workspace' });
    h.intercom.seedContacts(workspace.appId, [{ externalId: 'page-u1' }, { externalId: 'page-u2' }]);
    await open('/setup');
    await byTestId('connections-table').waitFor();
    await byTestId('new-cohort-button').click();
    await byTestId('cohort-name').fill('Power users to Intercom');
    await byTestId('cohort-token').fill(workspace.accessToken);
    await byTestId('cohort-create').click();
    await page.waitForURL(/\/setup\/connections\/cohort-/);
    const connectionId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    expect(await text('cohort-webhook-url')).toBe(`${h.apiUrl}/amplitude/cohorts`);
    const header = (await text('ingest-key'))!;
    expect(header).toMatch(/^Authorization: Bearer .{20,}$/);

    await byTestId('settings-form').waitFor();
    await byTestId('setting-tag-name').fill('Page VIPs');
    await byTestId('setting-status').selectOption('enabled');
    await byTestId('settings-save').click();
    await waitForText('settings-saved', /Saved/);
    await waitForText('status', /^Enabled$/);

    const posted = await fetch(`${h.apiUrl}/amplitude/cohorts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: header.slice('Authorization: '.length) },
      body: JSON.stringify({
        cohort_name: 'Power users',
        cohort_id: 'pagecoh',
        in_cohort: true,
        computed_time: String(Math.floor(Date.now() / 1000)),
        message_id: 'page-msg::enter::0',
        users: [{ user_id: 'page-u1' }, { user_id: 'page-u2' }, { user_id: 'page-nobody' }],
      }),
    });
    expect(posted.status).toBe(200);
    await waitForText('counter-added', /^2$/);
    await waitForText('counter-parked', /^1$/);
    await waitForText('counter-tag-size', /^2$/);
    await waitForText('cohort-tag', /Page VIPs.*2 member/);
    expect(
      h.intercom
        .tagMembers(workspace.appId, { name: 'Page VIPs' })
        .map((c) => c.external_id)
        .sort(),
    ).toEqual(['page-u1', 'page-u2']);
    await screenshot('12-cohort-sync');
    await waitForConnection(h, connectionId, (s) => s.settings?.tagName === 'Page VIPs');
    expect(pageProblems).toEqual([]);
  });
});
