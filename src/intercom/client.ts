import type { CallFailure } from '../outcomes';
import {
  intercomFailure,
  parseIntercomError,
  rateLimitFromHeaders,
  type IntercomError,
  type RateLimitInfo,
} from './errors';
import { httpSend, httpSendWithFetch, type HttpResponse } from '../util/http';

/**
 * A thin HTTP client for the Intercom endpoints we use. It never retries on its own: Temporal
 * (and the delivery loops) own retries, and every call hands back the rate-limit headers so one
 * budget per workspace can be kept. We don't use the `intercom-client` SDK here because it retries
 * internally and hides those headers behind its own abstractions. A failed call says what it means in
 * the shared vocabulary (`failure`, src/outcomes.ts) and keeps Intercom's own details (`error`).
 */
export type IntercomResult<T> =
  | { ok: true; status: number; data: T; rateLimit: RateLimitInfo }
  | { ok: false; status: number; failure: CallFailure; error: IntercomError; rateLimit: RateLimitInfo };

/** Called around every request: wait for budget before, record the headers after. */
export interface RequestBudget {
  before(): Promise<void>;
  after(rateLimit: RateLimitInfo, status: number): Promise<void>;
}

export interface IntercomClientOptions {
  baseUrl: string;
  version: string;
  timeoutMs?: number;
  budget?: RequestBudget;
  /** Instead of our HTTP client (tests). */
  fetch?: typeof fetch;
  /** The clock a rate limit's reset is measured against. */
  now?: () => number;
}

export interface IntercomMe {
  type: 'admin';
  id: string;
  email?: string;
  app: { id_code: string; name?: string; region?: string; timezone?: string };
}

export interface IntercomContact {
  type: 'contact';
  id: string;
  external_id?: string | null;
  email?: string | null;
  role?: string;
  [key: string]: unknown;
}

export interface IntercomTag {
  type: 'tag';
  id: string;
  name: string;
}

export interface IntercomList<T> {
  type: string;
  data: T[];
  total_count?: number;
  pages?: { next?: { starting_after?: string } | null; [key: string]: unknown };
}

export class IntercomClient {
  constructor(private readonly options: IntercomClientOptions) {}

  async request<T>(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
    form = false,
  ): Promise<IntercomResult<T>> {
    await this.options.budget?.before();
    const headers: Record<string, string> = {
      accept: 'application/json',
      'intercom-version': this.options.version,
    };
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = form ? 'application/x-www-form-urlencoded' : 'application/json';
      payload = form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body);
    }
    let response: HttpResponse;
    try {
      const send = this.options.fetch ? httpSendWithFetch(this.options.fetch) : httpSend;
      response = await send(`${this.options.baseUrl}${path}`, {
        method,
        headers,
        body: payload,
        timeoutMs: this.options.timeoutMs ?? 20_000,
      });
    } catch (err) {
      const timeout = (err as Error).name === 'TimeoutError';
      const error = { status: 0, message: timeout ? 'request timed out' : `network error: ${(err as Error).message}` };
      return { ok: false, status: 0, failure: this.failureOf(error, {}), error, rateLimit: {} };
    }
    const text = await response.text();
    const rateLimit = rateLimitFromHeaders(response.headers);
    await this.options.budget?.after(rateLimit, response.status);
    if (response.status >= 200 && response.status < 300) {
      return { ok: true, status: response.status, data: (text ? JSON.parse(text) : undefined) as T, rateLimit };
    }
    const error = parseIntercomError(response.status, text);
    return { ok: false, status: response.status, failure: this.failureOf(error, rateLimit), error, rateLimit };
  }

  private failureOf(error: IntercomError, rateLimit: RateLimitInfo): CallFailure {
    return intercomFailure(error, rateLimit, (this.options.now ?? Date.now)());
  }

  me(token: string) {
    return this.request<IntercomMe>('GET', '/me', token);
  }

  /** Uninstalls the app from the workspace and revokes the token. A 401 means it already was. */
  async uninstall(token: string): Promise<void> {
    const result = await this.request('POST', '/auth/uninstall', token);
    if (!result.ok && result.status !== 401) {
      throw new Error(
        `Intercom uninstall failed with ${result.status}: ${result.error.code ?? result.error.message ?? ''}`,
      );
    }
  }

  exchangeCode(input: { code: string; clientId: string; clientSecret: string }) {
    return this.request<{ token_type: string; token: string; access_token: string }>(
      'POST',
      '/auth/eagle/token',
      undefined,
      { code: input.code, client_id: input.clientId, client_secret: input.clientSecret },
      true,
    );
  }

  searchContacts(token: string, query: unknown, pagination: { per_page?: number; starting_after?: string } = {}) {
    return this.request<IntercomList<IntercomContact>>('POST', '/contacts/search', token, { query, pagination });
  }

  /** 404 when there is no such contact (deleted, or archived), 410 when it was merged into another. */
  getContact(token: string, id: string) {
    return this.request<IntercomContact>('GET', `/contacts/${encodeURIComponent(id)}`, token);
  }

  createContact(token: string, contact: Record<string, unknown>) {
    return this.request<IntercomContact>('POST', '/contacts', token, contact);
  }

  updateContact(token: string, id: string, contact: Record<string, unknown>) {
    return this.request<IntercomContact>('PUT', `/contacts/${encodeURIComponent(id)}`, token, contact);
  }

  sendEvent(token: string, event: Record<string, unknown>) {
    return this.request<undefined>('POST', '/events', token, event);
  }

  /** Creates a tag, or answers the existing one: Intercom keeps one tag per name (case insensitive). */
  createTag(token: string, name: string) {
    return this.request<IntercomTag>('POST', '/tags', token, { name });
  }

  /** Deletes a tag, which leaves every contact carrying it. 404 when it is already gone. */
  deleteTag(token: string, tagId: string) {
    return this.request<undefined>('DELETE', `/tags/${encodeURIComponent(tagId)}`, token);
  }

  /** Tags one contact; tagging it again changes nothing. 404 for an unknown contact ("User Not Found") or tag. */
  tagContact(token: string, contactId: string, tagId: string) {
    return this.request<IntercomTag>('POST', `/contacts/${encodeURIComponent(contactId)}/tags`, token, { id: tagId });
  }

  /** Untags one contact. 404 for an unknown contact or tag (and, as the simulator answers it, one not carrying it). */
  untagContact(token: string, contactId: string, tagId: string) {
    return this.request<IntercomTag>(
      'DELETE',
      `/contacts/${encodeURIComponent(contactId)}/tags/${encodeURIComponent(tagId)}`,
      token,
    );
  }

  listDataAttributes(token: string, model: 'contact' | 'company' = 'contact') {
    return this.request<IntercomList<{ name: string; data_type: string; custom?: boolean }>>(
      'GET',
      `/data_attributes?model=${model}`,
      token,
    );
  }

  createDataAttribute(
    token: string,
    attribute: { name: string; model: 'contact'; data_type: string; description?: string },
  ) {
    return this.request<{ name: string; data_type: string }>('POST', '/data_attributes', token, attribute);
  }

  searchConversations(token: string, query: unknown, pagination: { per_page?: number; starting_after?: string } = {}) {
    return this.request<{
      conversations: Record<string, unknown>[];
      total_count?: number;
      pages?: IntercomList<unknown>['pages'];
    }>('POST', '/conversations/search', token, { query, pagination });
  }

  getConversation(token: string, id: string) {
    return this.request<Record<string, unknown>>('GET', `/conversations/${encodeURIComponent(id)}`, token);
  }
}
