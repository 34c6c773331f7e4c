import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import type { IntercomClient } from '../intercom/client';
import { INTERCOM_REASONS } from '../intercom/errors';
import { CallFailedError, type CallFailure } from '../outcomes';
import type { AttributeType } from './actions/create-update-user/to-contact-upsert';

/**
 * Intercom writes only custom attributes that already exist. Before an upsert we make sure the
 * ones it names exist: read the workspace's list once (cached in Postgres), create what is
 * missing, and leave out what cannot be created (the workspace's limit) with a reason.
 */
export class DataAttributeRegistry {
  private loaded?: Set<string>;

  constructor(
    private readonly db: Db,
    private readonly workspaceId: string,
    private readonly intercom: IntercomClient,
    private readonly token: string,
    private readonly limit: number,
  ) {}

  /** Returns the attribute names that exist now, and those that could not be created with why. */
  async ensure(
    types: Record<string, AttributeType>,
  ): Promise<{ available: Set<string>; refused: { name: string; reason: string }[] }> {
    const names = Object.keys(types);
    const available = new Set<string>();
    const refused: { name: string; reason: string }[] = [];
    if (names.length === 0) return { available, refused };
    const known = await this.knownNames();
    for (const name of names) {
      if (known.has(name)) {
        available.add(name);
        continue;
      }
      if (known.size >= this.limit) {
        refused.push({ name, reason: 'attribute_limit' });
        continue;
      }
      const created = await this.intercom.createDataAttribute(this.token, {
        name,
        model: 'contact',
        data_type: types[name]!,
      });
      if (created.ok || (created.status === 400 && /already/i.test(created.error.message ?? ''))) {
        known.add(name);
        available.add(name);
        await this.db.execute(sql`INSERT INTO intercom_data_attributes (workspace_id, name, data_type)
                                  VALUES (${this.workspaceId}, ${name}, ${types[name]!}) ON CONFLICT DO NOTHING`);
      } else if (created.failure.kind === 'retry_after' || created.failure.kind === 'auth_revoked') {
        throw new CallFailedError(deferred(created.failure));
      } else {
        refused.push({ name, reason: 'attribute_rejected' });
      }
    }
    return { available, refused };
  }

  private async knownNames(): Promise<Set<string>> {
    if (this.loaded) return this.loaded;
    const cached = await queryRows<{ name: string }>(
      this.db,
      sql`SELECT name FROM intercom_data_attributes WHERE workspace_id = ${this.workspaceId}`,
    );
    if (cached.length === 0) {
      const listed = await this.intercom.listDataAttributes(this.token, 'contact');
      if (!listed.ok) throw new CallFailedError(deferred(listed.failure));
      const custom = listed.data.data.filter((a) => a.custom !== false);
      for (const attribute of custom) {
        await this.db.execute(sql`INSERT INTO intercom_data_attributes (workspace_id, name, data_type)
                                  VALUES (${this.workspaceId}, ${attribute.name}, ${attribute.data_type}) ON CONFLICT DO NOTHING`);
      }
      this.loaded = new Set(custom.map((a) => a.name));
    } else {
      this.loaded = new Set(cached.map((c) => c.name));
    }
    return this.loaded;
  }
}

/**
 * The attribute step could not finish (rate limit, outage, revoked token, or a list Intercom would not give):
 * the whole row is tried again later. Rate limits wait the default pause here, not the window's reset.
 */
function deferred(failure: CallFailure): CallFailure {
  if (failure.kind === 'auth_revoked') return failure;
  if (failure.kind === 'retry_after' && failure.reason === INTERCOM_REASONS.rateLimited)
    return { ...failure, delayMs: RATE_LIMITED_ATTRIBUTE_RETRY_MS };
  return { kind: 'retry_after', reason: INTERCOM_REASONS.unavailable, message: failure.message };
}

const RATE_LIMITED_ATTRIBUTE_RETRY_MS = 10_000;
