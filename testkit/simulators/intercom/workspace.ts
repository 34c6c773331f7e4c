import { ContactStore } from './contacts';
import { ConversationStore } from './conversations';
import { DataAttributeStore } from './data-attributes';
import { EventStore } from './events';
import { newNumericId } from './ids';
import { TagStore } from './tags';

export type Region = 'US' | 'EU' | 'AU';

export interface WorkspaceLimits {
  eventTypeLimit: number;
  metadataKeyLimit: number;
  customAttributeLimit: number;
}

export interface WorkspaceSettings {
  appId: string;
  name: string;
  region: Region;
  /** IANA zone; date searches match calendar days in it. */
  timezone: string;
  limits: WorkspaceLimits;
  now: () => number;
  searchLagMs: () => number;
  /** When restoring a saved workspace: its creation time (Unix seconds) and admin. */
  createdAt?: number;
  admin?: Workspace['admin'];
}

/** One Intercom workspace (an "app" in Intercom's API, identified by `app.id_code`). */
export class Workspace {
  readonly appId: string;
  readonly name: string;
  readonly region: Region;
  readonly timezone: string;
  readonly createdAt: number;
  readonly admin: { id: string; email: string; name: string; emailVerified: boolean };
  readonly attributes: DataAttributeStore;
  readonly contacts: ContactStore;
  readonly events: EventStore;
  readonly conversations: ConversationStore;
  readonly tags: TagStore;
  /** Whether our app is installed; false after an uninstall until the next OAuth consent. */
  installed = true;
  uninstalledAt: number | null = null;

  constructor(settings: WorkspaceSettings) {
    this.appId = settings.appId;
    this.name = settings.name;
    this.region = settings.region;
    this.timezone = settings.timezone;
    const nowSeconds = () => Math.floor(settings.now() / 1000);
    this.createdAt = settings.createdAt ?? nowSeconds();
    this.admin = settings.admin ?? {
      id: newNumericId(),
      email: `admin@${settings.appId}.example.com`,
      name: 'Ciaran Lee',
      emailVerified: true,
    };
    this.attributes = new DataAttributeStore(nowSeconds, settings.limits.customAttributeLimit);
    this.contacts = new ContactStore({
      workspaceId: settings.appId,
      now: settings.now,
      searchLagMs: settings.searchLagMs,
      attributes: this.attributes,
    });
    this.events = new EventStore(this.contacts, settings.limits, settings.now);
    this.conversations = new ConversationStore(settings.appId);
    this.tags = new TagStore(this.contacts, settings.now);
  }

  /** `GET /me`: the admin who authorised the token, with the workspace embedded as `app`. */
  me() {
    return {
      type: 'admin',
      id: this.admin.id,
      email: this.admin.email,
      name: this.admin.name,
      email_verified: this.admin.emailVerified,
      app: {
        type: 'app',
        id_code: this.appId,
        name: this.name,
        created_at: this.createdAt,
        secure: false,
        identity_verification: false,
        timezone: this.timezone,
        region: this.region,
      },
      avatar: { type: 'avatar', image_url: null },
      has_inbox_seat: true,
    };
  }
}
