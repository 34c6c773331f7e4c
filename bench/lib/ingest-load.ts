import autocannon from 'autocannon';
import { readLoadOptions } from './load-options';

/**
 * Load generator for the Amplitude-compatible ingestion (/2/httpapi), run as its own process: one event per
 * request, spread over many destination syncs (one ingest key each) and their users. Each event carries its
 * send time (`sent_at`, epoch ms) as an event property, which the sync forwards as Intercom metadata: latency
 * ingest → Intercom is measured at the Intercom simulator from it.
 * Usage: node --import tsx bench/lib/ingest-load.ts '<json IngestLoadOptions>' → prints autocannon's JSON result.
 */
export interface IngestLoadOptions {
  url: string;
  /** Ingest keys of the syncs, and each sync's users (external ids that exist as contacts). */
  tenants: { ingestKey: string; users: string[] }[];
  durationSeconds: number;
  connections: number;
  rate: number;
  eventType: string;
}

export async function runIngestLoad(options: IngestLoadOptions): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url: options.url,
    method: 'POST',
    connections: options.connections,
    duration: options.durationSeconds,
    overallRate: options.rate,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          n += 1;
          const tenant = options.tenants[n % options.tenants.length]!;
          const user = tenant.users[Math.floor(n / options.tenants.length) % tenant.users.length]!;
          const now = Date.now();
          const body = JSON.stringify({
            api_key: tenant.ingestKey,
            events: [
              {
                event_type: options.eventType,
                user_id: user,
                time: now,
                insert_id: `load-${n}-${now}`,
                event_properties: { sent_at: now },
              },
            ],
          });
          return { ...request, body };
        },
      },
    ],
  });
}

if (require.main === module) {
  runIngestLoad(readLoadOptions<IngestLoadOptions>(process.argv[2])).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (err) => {
      process.stderr.write(String(err));
      process.exit(1);
    },
  );
}
