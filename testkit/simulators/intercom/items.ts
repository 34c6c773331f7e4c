import { randomUUID } from 'node:crypto';
import { newContactId, newNotificationId, newNumericId } from './ids';

/**
 * One definition of each Intercom model, shared by the simulator's REST answers and the webhook
 * items it sends. Shapes follow Intercom 2.x (contacts, conversations) and the legacy 1.x person
 * objects that old topics still carry; field order and the odd nulls mirror captured payloads.
 */

export type Role = 'user' | 'lead';
export type Timestamps = 'unix' | 'iso';

export interface TagRef {
  id: string;
  name: string;
}

/** A tag on a contact; `appliedAt` (Unix seconds) is unknown for seeded tags. */
export interface AppliedTag extends TagRef {
  appliedAt?: number | null;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Webhook items sometimes carry ISO strings where REST has Unix seconds (`+00:00`, as captured). */
export function isoTimestamp(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('Z', '+00:00');
}

function withIsoTimestamps<T extends object>(item: T, keys: readonly string[]): T {
  const copy = { ...item } as Record<string, unknown>;
  for (const key of keys) {
    const value = copy[key];
    if (typeof value === 'number') copy[key] = isoTimestamp(value);
  }
  return copy as T;
}

const list = (url: string, data: unknown[] = []) => ({
  type: 'list' as const,
  data,
  url,
  total_count: data.length,
  has_more: false,
});

// ---------------------------------------------------------------------------------------------
// Contacts (2.x)

export interface ContactFields {
  id: string;
  workspaceId: string;
  role: Role;
  externalId: string | null;
  email: string | null;
  name: string | null;
  phone: string | null;
  avatar: string | null;
  ownerId: number | null;
  createdAt: number;
  updatedAt: number;
  signedUpAt: number | null;
  lastSeenAt: number | null;
  unsubscribedFromEmails: boolean;
  customAttributes: Record<string, unknown>;
  tags: AppliedTag[];
}

export type ContactInput = Partial<ContactFields> & { workspaceId: string };

export function contactFields(input: ContactInput): ContactFields {
  const now = nowSeconds();
  return {
    id: input.id ?? newContactId(Date.now()),
    workspaceId: input.workspaceId,
    role: input.role ?? 'user',
    externalId: input.externalId ?? null,
    email: input.email ?? null,
    name: input.name ?? null,
    phone: input.phone ?? null,
    avatar: input.avatar ?? null,
    ownerId: input.ownerId ?? null,
    createdAt: input.createdAt ?? now,
    updatedAt: input.updatedAt ?? input.createdAt ?? now,
    signedUpAt: input.signedUpAt ?? null,
    lastSeenAt: input.lastSeenAt ?? null,
    unsubscribedFromEmails: input.unsubscribedFromEmails ?? false,
    customAttributes: { ...(input.customAttributes ?? {}) },
    tags: [...(input.tags ?? [])],
  };
}

export interface SimulatedContact {
  type: 'contact';
  id: string;
  workspace_id: string;
  external_id: string | null;
  role: Role;
  email: string | null;
  email_domain: string | null;
  phone: string | null;
  name: string | null;
  avatar: string | null;
  owner_id: number | null;
  created_at: number | string;
  updated_at: number | string;
  signed_up_at: number | null;
  last_seen_at: number | null;
  custom_attributes: Record<string, unknown>;
  tags: ReturnType<typeof list>;
  [field: string]: unknown;
}

export function buildContact(input: ContactInput, timestamps: Timestamps = 'unix'): SimulatedContact {
  const c = contactFields(input);
  const url = (what: string) => `/contacts/${c.id}/${what}`;
  const contact: SimulatedContact = {
    type: 'contact',
    id: c.id,
    workspace_id: c.workspaceId,
    external_id: c.externalId,
    role: c.role,
    email: c.email,
    email_domain: c.email?.split('@')[1] ?? null,
    phone: c.phone,
    formatted_phone: c.phone,
    name: c.name,
    avatar: c.avatar,
    owner_id: c.ownerId,
    social_profiles: { type: 'list', data: [] },
    has_hard_bounced: false,
    marked_email_as_spam: false,
    unsubscribed_from_emails: c.unsubscribedFromEmails,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    signed_up_at: c.signedUpAt,
    last_seen_at: c.lastSeenAt,
    last_replied_at: null,
    last_contacted_at: null,
    last_email_opened_at: null,
    last_email_clicked_at: null,
    language_override: null,
    browser: null,
    browser_version: null,
    browser_language: null,
    os: null,
    location: { type: 'location', country: null, region: null, city: null, country_code: null, continent_code: null },
    android_app_name: null,
    android_app_version: null,
    android_device: null,
    android_os_version: null,
    android_sdk_version: null,
    android_last_seen_at: null,
    ios_app_name: null,
    ios_app_version: null,
    ios_device: null,
    ios_os_version: null,
    ios_sdk_version: null,
    ios_last_seen_at: null,
    custom_attributes: { ...c.customAttributes },
    tags: list(
      url('tags'),
      c.tags.map((tag) => ({ id: tag.id, type: 'tag', url: `/tags/${tag.id}` })),
    ),
    notes: list(url('notes')),
    companies: list(url('companies')),
    opted_out_subscription_types: list(url('subscriptions')),
    opted_in_subscription_types: list(url('subscriptions')),
    utm_campaign: null,
    utm_content: null,
    utm_medium: null,
    utm_source: null,
    utm_term: null,
    referrer: null,
    sms_consent: false,
    unsubscribed_from_sms: false,
    enabled_push_messaging: null,
  };
  // Captured contact webhooks carry ISO strings for these two only.
  return timestamps === 'iso' ? withIsoTimestamps(contact, ['created_at', 'updated_at']) : contact;
}

/** `contact.archived` and `contact.deleted` carry identifiers only (`contact.unarchived` sends the full contact). */
export function buildContactStateItem(
  contact: Pick<ContactFields, 'id' | 'externalId'>,
  change: 'archived' | 'deleted',
) {
  const base = { id: contact.id, external_id: contact.externalId, type: 'contact' as const };
  return change === 'deleted' ? { ...base, deleted: true } : { ...base, archived: true };
}

// ---------------------------------------------------------------------------------------------
// Legacy (1.x) people: users, leads (called "contacts" in 1.x) and visitors

export interface LegacyPersonFields {
  id?: string;
  appId: string;
  /** 1.x name of external_id; leads and visitors get a generated UUID here. */
  userId?: string | null;
  email?: string | null;
  name?: string | null;
  phone?: string | null;
  createdAt?: number;
  updatedAt?: number;
  signedUpAt?: number | null;
  lastRequestAt?: number | null;
  customAttributes?: Record<string, unknown>;
  tags?: TagRef[];
}

function buildLegacyPerson(type: 'user' | 'contact' | 'visitor', f: LegacyPersonFields, timestamps: Timestamps) {
  const now = nowSeconds();
  const createdAt = f.createdAt ?? now;
  const person = {
    type,
    id: f.id ?? newContactId(Date.now()),
    user_id: f.userId ?? (type === 'user' ? null : randomUUID()),
    anonymous: type !== 'user',
    email: f.email ?? null,
    phone: f.phone ?? null,
    name: f.name ?? null,
    pseudonym: null,
    avatar: { type: 'avatar', image_url: null },
    app_id: f.appId,
    companies: { type: 'company.list', companies: [] },
    location_data: {},
    last_request_at: f.lastRequestAt ?? null,
    created_at: createdAt,
    remote_created_at: type === 'user' ? (f.signedUpAt ?? null) : null,
    signed_up_at: type === 'user' ? (f.signedUpAt ?? null) : null,
    updated_at: f.updatedAt ?? createdAt,
    session_count: 0,
    social_profiles: { type: 'social_profile.list', social_profiles: [] },
    unsubscribed_from_emails: false,
    marked_email_as_spam: false,
    has_hard_bounced: false,
    tags: { type: 'tag.list', tags: (f.tags ?? []).map((tag) => ({ type: 'tag', id: tag.id })) },
    segments: { type: 'segment.list', segments: [] },
    custom_attributes: { ...(f.customAttributes ?? {}) },
    referrer: null,
    utm_campaign: null,
    utm_content: null,
    utm_medium: null,
    utm_source: null,
    utm_term: null,
    do_not_track: null,
    last_seen_ip: null,
    user_agent_data: null,
  };
  const dateKeys = ['last_request_at', 'created_at', 'remote_created_at', 'signed_up_at', 'updated_at'];
  return timestamps === 'iso' ? withIsoTimestamps(person, dateKeys) : person;
}

export type LegacyPerson = ReturnType<typeof buildLegacyPerson>;

/** 1.x user (`user.*` topics): `user_id` instead of `external_id`; captured with ISO dates. */
export const buildLegacyUser = (f: LegacyPersonFields, timestamps: Timestamps = 'iso') =>
  buildLegacyPerson('user', f, timestamps);

/** 1.x lead, typed `contact` (the legacy `contact.*` topics). */
export const buildLegacyLead = (f: LegacyPersonFields, timestamps: Timestamps = 'iso') =>
  buildLegacyPerson('contact', f, timestamps);

/** 1.x visitor (anonymous, not yet a lead). */
export const buildVisitor = (f: LegacyPersonFields, timestamps: Timestamps = 'iso') =>
  buildLegacyPerson('visitor', f, timestamps);

// ---------------------------------------------------------------------------------------------
// Tags

const tagObject = (tag: TagRef) => ({ type: 'tag' as const, id: tag.id, name: tag.name });

export function buildContactTag(input: { tag: TagRef; contact: SimulatedContact | LegacyPerson; createdAt?: number }) {
  return {
    type: 'contact_tag' as const,
    created_at: input.createdAt ?? nowSeconds(),
    tag: tagObject(input.tag),
    contact: input.contact,
  };
}

/** Legacy `user.tag.*` item. */
export function buildUserTag(input: { tag: TagRef; user: LegacyPerson; createdAt?: number }) {
  return {
    type: 'user_tag' as const,
    user: input.user,
    tag: tagObject(input.tag),
    created_at: input.createdAt ?? nowSeconds(),
    admin: { type: 'admin' },
  };
}

// ---------------------------------------------------------------------------------------------
// Data events

export interface EventItemFields {
  id?: string;
  eventName: string;
  createdAt: number;
  intercomUserId: string;
  userId: string | null;
  email: string | null;
  metadata?: Record<string, unknown>;
}

/** `event.created` item; the same shape lists a contact's events over REST. */
export function buildEventItem(f: EventItemFields) {
  return {
    type: 'event' as const,
    event_name: f.eventName,
    id: f.id ?? randomUUID(),
    intercom_user_id: f.intercomUserId,
    user_id: f.userId,
    email: f.email,
    metadata: { ...(f.metadata ?? {}) },
    created_at: f.createdAt,
    ext_metadata: {},
  };
}

export type IntercomEventItem = ReturnType<typeof buildEventItem>;

// ---------------------------------------------------------------------------------------------
// Conversations (2.x)

export type AuthorType = 'user' | 'lead' | 'admin' | 'bot' | 'team';

export interface Author {
  type: AuthorType;
  id: string;
  name?: string | null;
  email?: string | null;
}

export interface ConversationPartFields {
  id: string;
  partType: string;
  body: string | null;
  createdAt: number;
  updatedAt: number;
  author: Author;
  assignedTo: { type: 'admin' | 'team'; id: string } | null;
  redacted: boolean;
}

export function conversationPartFields(
  input: Partial<ConversationPartFields> & { author: Author },
): ConversationPartFields {
  const createdAt = input.createdAt ?? nowSeconds();
  return {
    id: input.id ?? newNumericId(),
    partType: input.partType ?? 'comment',
    body: input.body === undefined ? '<p>Thanks!</p>' : input.body,
    createdAt,
    updatedAt: input.updatedAt ?? createdAt,
    author: input.author,
    assignedTo: input.assignedTo ?? null,
    redacted: input.redacted ?? false,
  };
}

export function buildConversationPart(input: Partial<ConversationPartFields> & { author: Author }) {
  const p = conversationPartFields(input);
  return {
    type: 'conversation_part' as const,
    id: p.id,
    part_type: p.partType,
    body: p.redacted ? null : p.body,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    notified_at: p.createdAt,
    assigned_to: p.assignedTo,
    author: { id: p.author.id, type: p.author.type, name: p.author.name ?? null, email: p.author.email ?? null },
    attachments: [],
    external_id: null,
    redacted: p.redacted,
    metadata: {},
    tags: [],
  };
}

export type ConversationState = 'open' | 'closed' | 'snoozed';

export interface ConversationFields {
  id: string;
  workspaceId: string;
  createdAt: number;
  updatedAt: number;
  state: ConversationState;
  read: boolean;
  priority: 'priority' | 'not_priority';
  adminAssigneeId: number | null;
  teamAssigneeId: number | null;
  title: string | null;
  snoozedUntil: number | null;
  waitingSince: number | null;
  source: {
    id: string;
    type: string;
    deliveredAs: 'customer_initiated' | 'admin_initiated' | 'automated';
    subject: string;
    body: string;
    author: Author;
    url: string | null;
  };
  contacts: { id: string; externalId: string | null }[];
  tags: TagRef[];
  tagsAdded?: TagRef[];
  rating?: { rating: number; remark: string | null; createdAt: number } | null;
  parts: ConversationPartFields[];
}

export type ConversationInput = Partial<Omit<ConversationFields, 'source' | 'parts'>> & {
  workspaceId: string;
  source?: Partial<ConversationFields['source']>;
  parts?: (Partial<ConversationPartFields> & { author: Author })[];
};

export function conversationFields(input: ConversationInput): ConversationFields {
  const createdAt = input.createdAt ?? nowSeconds();
  const parts = (input.parts ?? []).map(conversationPartFields);
  const contacts = input.contacts ?? [];
  const firstContact = contacts[0];
  const author: Author = input.source?.author ?? {
    type: 'user',
    id: firstContact?.id ?? newContactId(Date.now()),
    name: null,
    email: null,
  };
  const state = input.state ?? 'open';
  return {
    id: input.id ?? newNumericId(),
    workspaceId: input.workspaceId,
    createdAt,
    updatedAt: input.updatedAt ?? Math.max(createdAt, ...parts.map((p) => p.updatedAt)),
    state,
    read: input.read ?? false,
    priority: input.priority ?? 'not_priority',
    adminAssigneeId: input.adminAssigneeId ?? null,
    teamAssigneeId: input.teamAssigneeId ?? null,
    title: input.title ?? null,
    snoozedUntil: input.snoozedUntil ?? null,
    waitingSince: input.waitingSince !== undefined ? input.waitingSince : state === 'open' ? createdAt : null,
    source: {
      id: input.source?.id ?? newNumericId(),
      type: input.source?.type ?? 'conversation',
      deliveredAs: input.source?.deliveredAs ?? (author.type === 'admin' ? 'admin_initiated' : 'customer_initiated'),
      subject: input.source?.subject ?? '',
      body: input.source?.body ?? '<p>Hi, I need help with my account</p>',
      author,
      url: input.source?.url ?? null,
    },
    contacts,
    tags: input.tags ?? [],
    tagsAdded: input.tagsAdded,
    rating: input.rating ?? null,
    parts,
  };
}

/** Derived the way Intercom reports them: first/last reply, close and assignment times. */
function statistics(c: ConversationFields) {
  const byAdmin = (p: ConversationPartFields) => p.author.type === 'admin';
  const byContact = (p: ConversationPartFields) => p.author.type === 'user' || p.author.type === 'lead';
  const comments = c.parts.filter((p) => p.partType === 'comment');
  const adminReplies = comments.filter(byAdmin).map((p) => p.createdAt);
  const contactReplies = [
    ...(c.source.deliveredAs === 'customer_initiated' ? [c.createdAt] : []),
    ...comments.filter(byContact).map((p) => p.createdAt),
  ];
  const closes = c.parts.filter((p) => p.partType === 'close');
  const assignments = c.parts.filter((p) => p.partType === 'assignment' || p.partType === 'assign_and_reopen');
  const firstAdminReply = adminReplies[0] ?? null;
  const firstClose = closes[0]?.createdAt ?? null;
  return {
    type: 'conversation_statistics',
    time_to_assignment: assignments[0] ? assignments[0].createdAt - c.createdAt : null,
    time_to_admin_reply: firstAdminReply !== null ? firstAdminReply - c.createdAt : null,
    time_to_first_close: firstClose !== null ? firstClose - c.createdAt : null,
    time_to_last_close: closes.length ? closes[closes.length - 1]!.createdAt - c.createdAt : null,
    median_time_to_reply: null,
    first_contact_reply_at: contactReplies[0] ?? null,
    first_assignment_at: assignments[0]?.createdAt ?? null,
    first_admin_reply_at: firstAdminReply,
    first_close_at: firstClose,
    last_assignment_at: assignments[assignments.length - 1]?.createdAt ?? null,
    last_assignment_admin_reply_at: null,
    last_contact_reply_at: contactReplies[contactReplies.length - 1] ?? null,
    last_admin_reply_at: adminReplies[adminReplies.length - 1] ?? null,
    last_close_at: closes[closes.length - 1]?.createdAt ?? null,
    last_closed_by_id: closes[closes.length - 1]?.author.id ?? null,
    count_reopens: c.parts.filter((p) => p.partType === 'open').length,
    count_assignments: assignments.length,
    count_conversation_parts: c.parts.length + 1,
  };
}

const tagList = (tags: TagRef[]) => ({
  type: 'tag.list' as const,
  tags: tags.map((tag) => ({ ...tagObject(tag), applied_at: null, applied_by: null })),
});

/**
 * `parts`: 'omit' for list/search answers (Intercom leaves them out), `{ newest: n }` for
 * `GET /conversations/{id}` (at most 500, most recent, oldest first) and for webhook items (the part
 * the topic is about).
 */
export function buildConversation(input: ConversationInput, parts: 'omit' | { newest: number } = 'omit') {
  const c = conversationFields(input);
  const conversation: Record<string, unknown> = {
    type: 'conversation',
    id: c.id,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    waiting_since: c.waitingSince,
    snoozed_until: c.snoozedUntil,
    source: {
      type: c.source.type,
      id: c.source.id,
      delivered_as: c.source.deliveredAs,
      subject: c.source.subject,
      body: c.source.body,
      author: {
        type: c.source.author.type,
        id: c.source.author.id,
        name: c.source.author.name ?? null,
        email: c.source.author.email ?? '',
      },
      attachments: [],
      url: c.source.url,
      redacted: false,
    },
    contacts: {
      type: 'contact.list',
      contacts: c.contacts.map((contact) => ({ type: 'contact', id: contact.id, external_id: contact.externalId })),
    },
    first_contact_reply:
      c.source.deliveredAs === 'customer_initiated'
        ? { created_at: c.createdAt, type: 'conversation', url: c.source.url }
        : null,
    admin_assignee_id: c.adminAssigneeId,
    team_assignee_id: c.teamAssigneeId,
    open: c.state !== 'closed',
    state: c.state,
    read: c.read,
    tags: tagList(c.tags),
    ...(c.tagsAdded ? { tags_added: tagList(c.tagsAdded) } : {}),
    priority: c.priority,
    sla_applied: null,
    statistics: statistics(c),
    conversation_rating: c.rating
      ? {
          rating: c.rating.rating,
          remark: c.rating.remark,
          created_at: c.rating.createdAt,
          contact: c.contacts[0]
            ? { type: 'contact', id: c.contacts[0].id, external_id: c.contacts[0].externalId }
            : null,
          teammate: c.adminAssigneeId !== null ? { type: 'admin', id: String(c.adminAssigneeId) } : null,
        }
      : null,
    teammates: { type: 'admin.list', admins: [] },
    title: c.title,
    custom_attributes: {},
    topics: { type: 'topic.list', topics: [], total_count: 0 },
    ticket: null,
    linked_objects: { type: 'list', data: [], total_count: 0, has_more: false },
    ai_agent: null,
    ai_agent_participated: false,
  };
  if (parts !== 'omit') {
    const newest = parts.newest > 0 ? c.parts.slice(-parts.newest) : [];
    conversation.conversation_parts = {
      type: 'conversation_part.list',
      conversation_parts: newest.map(buildConversationPart),
      total_count: c.parts.length,
    };
  }
  return conversation;
}

// ---------------------------------------------------------------------------------------------
// Companies (`company.*` topics)

export function buildCompany(input: {
  appId: string;
  id?: string;
  companyId?: string;
  name?: string;
  createdAt?: number;
}) {
  const createdAt = input.createdAt ?? nowSeconds();
  return {
    type: 'company' as const,
    id: input.id ?? newContactId(Date.now()),
    company_id: input.companyId ?? newNumericId(),
    app_id: input.appId,
    name: input.name ?? 'Acme Inc',
    created_at: createdAt,
    updated_at: createdAt,
    remote_created_at: createdAt,
    last_request_at: null,
    plan: {},
    monthly_spend: 0,
    session_count: 0,
    user_count: 0,
    size: 0,
    website: null,
    industry: null,
    custom_attributes: {},
    tags: { type: 'tag.list', tags: [] },
    segments: { type: 'segment.list', segments: [] },
  };
}

// ---------------------------------------------------------------------------------------------
// Notifications

export const buildPingItem = (message = 'something something interzen') => ({ type: 'ping' as const, message });

export interface NotificationEvent<Item = unknown> {
  type: 'notification_event';
  app_id: string;
  data: { type: 'notification_event_data'; item: Item };
  links: Record<string, never>;
  id: string | null;
  topic: string;
  delivery_status: 'pending' | null;
  delivery_attempts: number;
  delivered_at: number;
  first_sent_at: number;
  created_at: number;
  self: null;
}

/** The envelope of every webhook; ping's id and delivery_status are null, as captured. */
export function buildNotificationEvent<Item>(input: {
  appId: string;
  topic: string;
  item: Item;
  id?: string | null;
  createdAt?: number;
  firstSentAt?: number;
  deliveryAttempts?: number;
}): NotificationEvent<Item> {
  const isPing = input.topic === 'ping';
  const createdAt = input.createdAt ?? nowSeconds();
  return {
    type: 'notification_event',
    app_id: input.appId,
    data: { type: 'notification_event_data', item: input.item },
    links: {},
    id: input.id !== undefined ? input.id : isPing ? null : newNotificationId(),
    topic: input.topic,
    delivery_status: isPing ? null : 'pending',
    delivery_attempts: input.deliveryAttempts ?? 1,
    delivered_at: 0,
    first_sent_at: input.firstSentAt ?? Math.max(createdAt, nowSeconds()),
    created_at: createdAt,
    self: null,
  };
}
