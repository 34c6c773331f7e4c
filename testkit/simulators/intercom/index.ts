import express, { type Express } from 'express';
import { FaultInjector, recordRequests, type RecordedRequest } from '../faults';
import { SimulatorServer } from '../http-server';
import { faultBody } from './api-error';
import { OAuthCodes, TokenRegistry, type TokenRecord } from './auth';
import type { SimulatorContext } from './context';
import type { StoredEvent } from './events';
import type { ContactRecord } from './contacts';
import type { DataAttributeRecord } from './data-attributes';
import { renderDataAttribute, type AttributeModel, type DataType } from './data-attributes';
import { newAppId } from './ids';
import {
  buildContact,
  buildConversation,
  type Author,
  type ConversationInput,
  type ContactInput,
  type SimulatedContact,
} from './items';
import { authenticate, errorHandler, notFound, rateLimit } from './middleware';
import { WindowRateLimiter, type RateLimitCounters } from './rate-limit';
import { contactRoutes } from './routes/contacts';
import { conversationRoutes } from './routes/conversations';
import { dataAttributeRoutes } from './routes/data-attributes';
import { eventRoutes } from './routes/events';
import { identityRoutes } from './routes/identity';
import { consentRoutes, tokenExchangeRoutes } from './routes/oauth';
import { tagRoutes } from './routes/tags';
import { renderTag } from './tags';
import { DEFAULT_ADMIN } from './topics';
import { WebhookSender, type WebhookDelivery, type WebhookInput, type WebhookOptions } from './webhooks';
import { Workspace, type Region, type WorkspaceSettings } from './workspace';

export { errorList, faultBody, IntercomApiError } from './api-error';
export * from './items';
export {
  ALL_WEBHOOK_TOPICS,
  DEFAULT_ADMIN,
  itemForTopic,
  topicGroup,
  WEBHOOK_TOPIC_GROUPS,
  type TopicItemContext,
  type WebhookTopic,
} from './topics';
export {
  WEBHOOK_TIMEOUT_MS,
  WEBHOOK_USER_AGENT,
  type WebhookDelivery,
  type WebhookInput,
  type WebhookOptions,
} from './webhooks';
export type { StoredEvent } from './events';
export type { Region } from './workspace';

export interface IntercomSimulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** Per-minute REST limit, enforced per workspace in 10 s windows of limit/6. */
  rateLimitPerMinute?: number;
  eventTypeLimit?: number;
  /** Metadata keys past the first N (in sent order) are dropped. */
  metadataKeyLimit?: number;
  customAttributeLimit?: number;
  /** Contacts younger than this are invisible to POST /contacts/search (Intercom's index lag). */
  searchLagMs?: number;
  /** Where Intercom POSTs `{"app_id"}` when the app is uninstalled or its access revoked. */
  uninstallUrl?: string;
  /** Registered OAuth redirect URLs; when empty any redirect_uri is accepted. */
  redirectUris?: string[];
  /** When set, writes through the REST API fire webhooks here (contact.*, contact.<role>.tag.*, event.created), as Intercom does. */
  webhookUrl?: string;
  /** Clock in milliseconds, for rate-limit windows, code expiry, search lag and timestamps. */
  now?: () => number;
}

export interface AddWorkspaceOptions {
  appId?: string;
  region?: Region;
  name?: string;
  /** IANA timezone of the workspace (date searches match its calendar days); default UTC. */
  timezone?: string;
}

export type ContactSeed = Partial<Omit<ContactInput, 'workspaceId'>> & { archived?: boolean };

export type ConversationSeed = Partial<Omit<ConversationInput, 'workspaceId' | 'parts'>> & {
  /** The conversation's contact (and source author); defaults to an existing contact or a new one. */
  contactId?: string;
  /** How many alternating contact/admin replies to generate, or the parts themselves. */
  parts?: number | NonNullable<ConversationInput['parts']>;
};

export interface IntercomSimulatorState {
  version: 1;
  clientId: string;
  clientSecret: string;
  oauthWorkspaceId: string | undefined;
  tokens: TokenRecord[];
  workspaces: {
    appId: string;
    name: string;
    region: Region;
    timezone: string;
    createdAt: number;
    admin: Workspace['admin'];
    installed: boolean;
    uninstalledAt: number | null;
    contacts: ContactRecord[];
    attributes: DataAttributeRecord[];
    events: { accepted: StoredEvent[]; duplicates: number };
  }[];
}

export interface UninstallNotification {
  appId: string;
  url: string;
  status: number;
  error?: string;
}

/**
 * A local stand-in for Intercom's REST API, OAuth flow and webhook sender, following Intercom's documentation
 * (https://developers.intercom.com/docs/references/rest-api/errors/http-responses and …/rate-limiting): error
 * bodies, limits, rate-limit headers and dedupe.
 */
export class IntercomSimulator implements SimulatorContext {
  readonly app: Express;
  readonly requests: RecordedRequest[] = [];
  readonly faults = new FaultInjector(faultBody);
  readonly webhooks: WebhookSender;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly now: () => number;
  readonly tokens: TokenRegistry;
  readonly codes: OAuthCodes;
  readonly limiter: WindowRateLimiter;
  /** Registered redirect URLs; empty means any URL is accepted. */
  readonly redirectUris: readonly string[];
  /** Intercom-Version values seen, with counts (absent header counted as 'none'). */
  readonly versionsSeen = new Map<string, number>();
  readonly uninstallNotifications: UninstallNotification[] = [];
  baseUrl: string | undefined;

  private readonly options: IntercomSimulatorOptions;
  private readonly workspaces = new Map<string, Workspace>();
  private oauthWorkspaceId: string | undefined;
  private searchLagMs: number;
  private seededPeople = 0;
  private readonly server: SimulatorServer;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(options: IntercomSimulatorOptions = {}) {
    this.options = options;
    this.clientId = options.clientId ?? 'sim-client-id';
    this.clientSecret = options.clientSecret ?? 'sim-client-secret';
    this.now = options.now ?? Date.now;
    this.searchLagMs = options.searchLagMs ?? 0;
    this.redirectUris = options.redirectUris ?? [];
    this.tokens = new TokenRegistry(this.now);
    this.codes = new OAuthCodes(this.now);
    this.limiter = new WindowRateLimiter(options.rateLimitPerMinute ?? 10_000, this.now);
    this.webhooks = new WebhookSender(this.clientSecret, this.now);
    this.app = this.buildApp();
    this.server = new SimulatorServer(this.app);
  }

  private buildApp(): Express {
    const app = express();
    app.disable('x-powered-by');
    app.use(recordRequests(this.requests));
    app.use(this.inspectRoutes());
    // The consent screen lives on app.intercom.com, outside the REST API and its faults.
    app.use(consentRoutes(this));
    app.use(this.faults.middleware());
    app.use(tokenExchangeRoutes(this));
    app.use(authenticate(this));
    app.use(rateLimit(this));
    // Parsed after auth so a malformed body on a bad token is still a 401, as with Intercom.
    app.use(express.json({ limit: '5mb' }));
    app.use(identityRoutes(this));
    app.use(contactRoutes(this));
    app.use(tagRoutes(this));
    app.use(eventRoutes(this));
    app.use(dataAttributeRoutes());
    app.use(conversationRoutes());
    app.use(notFound);
    app.use(errorHandler);
    return app;
  }

  /**
   * What the simulated Intercom holds, for a person trying the service (`npm run dev`): not part of
   * Intercom's API, so no token, no faults, no rate limit. `?workspace=<app id>` narrows to one.
   */
  private inspectRoutes(): express.Router {
    const router = express.Router();
    const chosen = (req: express.Request) => {
      const appId = typeof req.query.workspace === 'string' ? req.query.workspace : undefined;
      return appId ? [this.workspace(appId)] : [...this.workspaces.values()];
    };
    router.get('/_inspect/workspaces', (_req, res) => {
      res.json({
        workspaces: [...this.workspaces.values()].map((w) => ({
          appId: w.appId,
          name: w.name,
          region: w.region,
          installed: w.installed,
          contacts: w.contacts.visible().length,
          events: w.events.accepted.length,
        })),
      });
    });
    router.get('/_inspect/contacts', (req, res) => {
      res.json({ contacts: chosen(req).flatMap((w) => w.contacts.visible().map((r) => buildContact(r.fields))) });
    });
    router.get('/_inspect/events', (req, res) => {
      res.json({ events: chosen(req).flatMap((w) => w.events.accepted.map((e) => ({ workspace: w.appId, ...e }))) });
    });
    router.use('/_inspect', (_req, res) => {
      res.status(404).json({ error: 'try /_inspect/workspaces, /_inspect/contacts or /_inspect/events' });
    });
    router.use('/_inspect', ((err, _req, res, _next) => {
      res.status(404).json({ error: (err as Error).message });
    }) as express.ErrorRequestHandler);
    return router;
  }

  // ----- saved state (dev keeps the simulated Intercom across restarts) ----------------------

  /** Everything a restart needs to continue: workspaces, their contacts, attributes and events, and tokens. */
  exportState(): IntercomSimulatorState {
    return {
      version: 1,
      clientId: this.clientId,
      clientSecret: this.clientSecret,
      oauthWorkspaceId: this.oauthWorkspaceId,
      tokens: this.tokens.snapshot(),
      workspaces: [...this.workspaces.values()].map((w) => ({
        appId: w.appId,
        name: w.name,
        region: w.region,
        timezone: w.timezone,
        createdAt: w.createdAt,
        admin: { ...w.admin },
        installed: w.installed,
        uninstalledAt: w.uninstalledAt,
        contacts: w.contacts.snapshot(),
        attributes: w.attributes.snapshot(),
        events: w.events.snapshot(),
      })),
    };
  }

  /** Restores an exported state into a fresh simulator created with the same client id and secret. */
  importState(state: IntercomSimulatorState): void {
    if (state.version !== 1) throw new Error(`unknown simulator state version ${String(state.version)}`);
    if (state.clientId !== this.clientId || state.clientSecret !== this.clientSecret)
      throw new Error('create the simulator with the saved clientId and clientSecret before importing its state');
    for (const saved of state.workspaces) {
      const workspace = this.createWorkspace(saved);
      workspace.installed = saved.installed;
      workspace.uninstalledAt = saved.uninstalledAt;
      workspace.attributes.restore(saved.attributes);
      workspace.contacts.restore(saved.contacts);
      workspace.events.restore(saved.events);
    }
    this.tokens.restore(state.tokens);
    if (state.oauthWorkspaceId) this.setOAuthWorkspace(state.oauthWorkspaceId);
  }

  // ----- lifecycle --------------------------------------------------------------------------

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.baseUrl = await this.server.listen(port, host);
    return this.baseUrl;
  }

  /** Stops listening, releasing hanging requests and open connections. */
  async close(): Promise<void> {
    this.faults.releaseHanging();
    await this.server.close();
  }

  /** Waits for background sends (uninstall notifications, webhooks fired by API writes). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  // ----- workspaces, OAuth, uninstall -------------------------------------------------------

  addWorkspace(options: AddWorkspaceOptions = {}): { appId: string; accessToken: string } {
    const workspace = this.createWorkspace(options);
    return { appId: workspace.appId, accessToken: this.tokens.issue(workspace.appId, 'access_token') };
  }

  private createWorkspace(options: AddWorkspaceOptions & Pick<WorkspaceSettings, 'createdAt' | 'admin'>): Workspace {
    const appId = options.appId ?? newAppId();
    if (this.workspaces.has(appId)) throw new Error(`Workspace ${appId} already exists`);
    const timezone = options.timezone ?? 'UTC';
    Intl.DateTimeFormat('en-CA', { timeZone: timezone }); // throws RangeError for an unknown zone
    const workspace = new Workspace({
      appId,
      name: options.name ?? `Workspace ${appId}`,
      region: options.region ?? 'US',
      timezone,
      limits: {
        eventTypeLimit: this.options.eventTypeLimit ?? 120,
        metadataKeyLimit: this.options.metadataKeyLimit ?? 10,
        customAttributeLimit: this.options.customAttributeLimit ?? 250,
      },
      now: this.now,
      searchLagMs: () => this.searchLagMs,
      createdAt: options.createdAt,
      admin: options.admin,
    });
    this.workspaces.set(appId, workspace);
    return workspace;
  }

  workspace(appId: string): Workspace {
    const workspace = this.workspaces.get(appId);
    if (!workspace) throw new Error(`Unknown workspace ${appId}`);
    return workspace;
  }

  findWorkspace(appId: string): Workspace | undefined {
    return this.workspaces.get(appId);
  }

  /** The workspace `GET /oauth` installs into when the request names none. */
  setOAuthWorkspace(appId: string): void {
    this.workspace(appId);
    this.oauthWorkspaceId = appId;
  }

  /** The workspace the consent screen installs into when the request names none. */
  consentWorkspace(): Workspace {
    if (this.oauthWorkspaceId === undefined)
      this.oauthWorkspaceId = this.addWorkspace({ name: 'Simulated Workspace' }).appId;
    return this.workspace(this.oauthWorkspaceId);
  }

  /**
   * An admin uninstalling the app in Intercom's App Store (or revoking access any other way). `notify: false`
   * is an uninstall whose notice never arrives (lost, or no uninstall URL configured in the app).
   */
  uninstallFromIntercom(appId: string, options: { notify?: boolean } = {}): Promise<void> {
    return this.uninstall(appId, undefined, options.notify ?? true);
  }

  /** Revokes the workspace's tokens (of one kind, if given), marks the app uninstalled and notifies the uninstall URL. */
  uninstall(appId: string, kind?: TokenRecord['kind'], notify = true): Promise<void> {
    const workspace = this.workspace(appId);
    this.tokens.revokeAll(appId, kind);
    workspace.installed = false;
    workspace.uninstalledAt = this.now();
    const url = this.options.uninstallUrl;
    if (!url || !notify) return Promise.resolve();
    return this.track(this.notifyUninstall(url, appId));
  }

  /** Unsigned `{"app_id"}` POST, best effort: failures are recorded, never retried. */
  private async notifyUninstall(url: string, appId: string): Promise<void> {
    const entry: UninstallNotification = { appId, url, status: 0 };
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ app_id: appId }),
        signal: AbortSignal.timeout(5_000),
      });
      entry.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      entry.error = String(error);
    }
    this.uninstallNotifications.push(entry);
  }

  /** Sends a webhook about a change made through the API, when the simulator is set up to. */
  emitChange(appId: string, topic: string, item: unknown): void {
    const url = this.options.webhookUrl;
    if (url) void this.track(this.webhooks.deliver(url, { appId, topic, item }));
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }

  // ----- webhooks to our service ------------------------------------------------------------

  deliverWebhook<Item>(
    targetUrl: string,
    input: WebhookInput<Item>,
    options?: WebhookOptions,
  ): Promise<WebhookDelivery<Item>> {
    return this.webhooks.deliver(targetUrl, input, options);
  }

  redeliver<Item>(previous: WebhookDelivery<Item>, options?: WebhookOptions): Promise<WebhookDelivery<Item>> {
    return this.webhooks.redeliver(previous, options);
  }

  sendPing(targetUrl: string, appId: string, options?: WebhookOptions) {
    return this.webhooks.ping(targetUrl, appId, options);
  }

  headCheck(targetUrl: string, timeoutMs?: number) {
    return this.webhooks.head(targetUrl, timeoutMs);
  }

  // ----- seeding ----------------------------------------------------------------------------

  /** Pre-existing contacts: no API checks, searchable at once. A number seeds `user-<n>` users. */
  seedContacts(appId: string, seeds: number | ContactSeed[]): SimulatedContact[] {
    const workspace = this.workspace(appId);
    const list = typeof seeds === 'number' ? Array.from({ length: seeds }, () => this.samplePerson()) : seeds;
    return list.map((seed) => {
      for (const tag of seed.tags ?? []) workspace.tags.register(tag);
      return buildContact(workspace.contacts.seed(seed).fields);
    });
  }

  /**
   * A tag made in Intercom's UI, applied to the given contacts (Intercom ids) without API calls or webhooks:
   * a tag that drifted from what a sync wrote, or one that was there before.
   */
  seedTag(appId: string, name: string, contactIds: readonly string[] = []): { id: string; name: string } {
    const workspace = this.workspace(appId);
    const { tag } = workspace.tags.findOrCreate(name);
    for (const id of contactIds) workspace.tags.apply(workspace.contacts.get(id), tag);
    return { id: tag.id, name: tag.name };
  }

  private samplePerson(): ContactSeed {
    const n = ++this.seededPeople;
    return { role: 'user', externalId: `user-${n}`, email: `user-${n}@example.com`, name: `User ${n}` };
  }

  seedConversations(appId: string, seeds: number | ConversationSeed[]) {
    const workspace = this.workspace(appId);
    const nowSeconds = Math.floor(this.now() / 1000);
    const list: ConversationSeed[] =
      typeof seeds === 'number'
        ? Array.from({ length: seeds }, (_, i) => ({ createdAt: nowSeconds - (seeds - i) * 3600, parts: 3 }))
        : seeds;
    return list.map((seed, index) => {
      const contacts = workspace.contacts.visible();
      const contact =
        (seed.contactId !== undefined
          ? workspace.contacts.get(seed.contactId)
          : contacts[index % Math.max(contacts.length, 1)]) ?? workspace.contacts.seed(this.samplePerson());
      const author: Author = {
        type: contact.fields.role,
        id: contact.fields.id,
        name: contact.fields.name,
        email: contact.fields.email,
      };
      const { contactId: _contactId, parts = 3, ...rest } = seed;
      const createdAt = rest.createdAt ?? nowSeconds - 3600;
      const generated = Array.from({ length: typeof parts === 'number' ? parts : 0 }, (_, i) => ({
        partType: 'comment',
        author: i % 2 === 0 ? DEFAULT_ADMIN : author,
        body: i % 2 === 0 ? `<p>Reply ${i + 1} from support</p>` : `<p>Reply ${i + 1} from the customer</p>`,
        createdAt: createdAt + 60 * (i + 1),
      }));
      const record = workspace.conversations.seed({
        contacts: [{ id: contact.fields.id, externalId: contact.fields.externalId }],
        source: { author },
        ...rest,
        createdAt,
        parts: typeof parts === 'number' ? generated : parts,
      });
      return buildConversation(record.fields);
    });
  }

  /** Creates a custom data attribute without going through the API. */
  addDataAttribute(appId: string, attribute: { name: string; dataType: DataType; model?: AttributeModel }) {
    return renderDataAttribute(
      this.workspace(appId).attributes.ensure(attribute.name, attribute.dataType, attribute.model),
    );
  }

  // ----- state for assertions ---------------------------------------------------------------

  contacts(appId: string, options: { includeArchived?: boolean } = {}): SimulatedContact[] {
    const { contacts } = this.workspace(appId);
    return (options.includeArchived ? contacts.all() : contacts.visible()).map((r) => buildContact(r.fields));
  }

  /** Accepted (non-duplicate) data events of a workspace, in arrival order. */
  events(appId: string): StoredEvent[] {
    return [...this.workspace(appId).events.accepted];
  }

  duplicateEventCount(appId: string): number {
    return this.workspace(appId).events.duplicates;
  }

  activeEventNames(appId: string): string[] {
    return [...this.workspace(appId).events.activeNames];
  }

  /** An admin archives event names in Intercom's UI, freeing their slots (no API does this). */
  archiveEventNames(appId: string, names: readonly string[]): void {
    this.workspace(appId).events.archiveNames(names);
  }

  dataAttributes(appId: string, model?: AttributeModel) {
    return this.workspace(appId).attributes.list(model, true).map(renderDataAttribute);
  }

  /** The workspace's tags, in creation order. */
  tags(appId: string): { type: 'tag'; id: string; name: string }[] {
    return this.workspace(appId).tags.list().map(renderTag);
  }

  /** The contacts carrying a tag (by id, or by name case-insensitively), archived ones included. */
  tagMembers(appId: string, tag: { id: string } | { name: string }): SimulatedContact[] {
    const { tags } = this.workspace(appId);
    const record = 'id' in tag ? tags.find(tag.id) : tags.findByName(tag.name);
    return record ? tags.members(record.id).map((r) => buildContact(r.fields)) : [];
  }

  revokedTokens(): string[] {
    return this.tokens.revoked().map((r) => r.token);
  }

  uninstalledWorkspaces(): string[] {
    return [...this.workspaces.values()].filter((w) => !w.installed).map((w) => w.appId);
  }

  rateLimitStats(appId?: string): RateLimitCounters {
    return this.limiter.stats(appId);
  }

  setRateLimit(perMinute: number): void {
    this.limiter.setLimit(perMinute);
  }

  setSearchLag(ms: number): void {
    this.searchLagMs = ms;
  }
}

export function createIntercomSimulator(options?: IntercomSimulatorOptions): IntercomSimulator {
  return new IntercomSimulator(options);
}
