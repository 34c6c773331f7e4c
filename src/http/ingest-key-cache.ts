import { LRUCache } from 'lru-cache';
import { sha256Hex } from '../crypto/secrets';
import type { Connection, ConnectionRepository } from '../connections/repository';
import type { ConnectionsService } from '../connections/service';
import type { StorageQuota } from '../delivery/quota';
import type { Services } from '../runtime/services';
import type { Doorbell } from '../temporal/doorbell';
import type { PublicRateLimits } from './rate-limits';
import type { BodyBudget } from './request-body';

/**
 * Ingest keys resolved to their sync, cached so that a busy SDK fleet costs no lookup per request.
 * Two LRUs: keys nobody owns (a stranger spraying random keys) are remembered briefly on their own, so
 * they only ever evict each other and never push out the keys in use; each distinct one costs one
 * indexed lookup, and the per-IP limit bounds how many a client can try.
 */
export class IngestKeyCache<T extends object> {
  private readonly known: LRUCache<string, T>;
  private readonly unknown: LRUCache<string, true>;

  constructor(
    /** Looks a key's hash up in the database; throws when the database cannot say. */
    private readonly find: (keyHash: string) => Promise<T | undefined>,
    options: {
      knownTtlMs?: number;
      unknownTtlMs?: number;
      maxKnown?: number;
      maxUnknown?: number;
      now?: () => number;
    } = {},
  ) {
    // A custom clock (tests) is read on every check: no cached "now".
    const perf = options.now ? { now: options.now } : undefined;
    this.known = new LRUCache({
      max: options.maxKnown ?? 10_000,
      ttl: options.knownTtlMs ?? 2_000,
      ...(perf && { perf, ttlResolution: 0 }),
    });
    this.unknown = new LRUCache({
      max: options.maxUnknown ?? 50_000,
      ttl: options.unknownTtlMs ?? 2_000,
      ...(perf && { perf, ttlResolution: 0 }),
    });
  }

  async lookup(key: string): Promise<T | undefined> {
    const hash = sha256Hex(key);
    const known = this.known.get(hash);
    if (known) return known;
    if (this.unknown.has(hash)) return undefined;
    const found = await this.find(hash);
    if (found) this.known.set(hash, found);
    else this.unknown.set(hash, true);
    return found;
  }
}

/** The live (not disconnected) sync of `kind` whose ingest key this is, cached. */
export function syncIngestKeys(
  repository: ConnectionRepository,
  kind: 'intercom_destination' | 'intercom_cohort',
): IngestKeyCache<Connection> {
  return new IngestKeyCache<Connection>(async (hash) => {
    const found = await repository.findByIngestKeyHash(hash);
    return found && found.kind === kind && found.status !== 'Disconnected' ? found : undefined;
  });
}

/** What the routes that store Amplitude's posts for a sync (events, cohort memberships) are built from. */
export interface SyncIngestDeps {
  services: Services;
  connections: ConnectionsService;
  doorbell: Doorbell;
  limits: PublicRateLimits;
  bodyBudget: BodyBudget;
  quota: StorageQuota;
}
