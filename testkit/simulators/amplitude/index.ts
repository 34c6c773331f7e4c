import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { FaultInjector, recordRequests, type RecordedRequest } from '../faults';
import { SimulatorServer } from '../http-server';
import { DedupeIndex } from './dedupe';
import {
  bodyForStatus,
  documentedAnswer,
  GROUP_IDENTIFY_EVENT_TYPE,
  IDENTIFY_EVENT_TYPE,
  IDENTIFY_SUCCESS_TEXT,
  LIMITS,
  silencedAnswer,
  successAnswer,
  throttledAnswer,
  type Answer,
  type UploadEndpoint,
} from './documented';
import { readIdentify } from './identify';
import { rawBodyOf, readRawBody, rejectOversizedBody } from './request-body';
import { Throttle } from './throttle';
import { readUpload, type ReceivedEvent } from './upload';
import { UserTable, userUpdate, type UserUpdate } from './user-properties';

export { DOCUMENTED } from './documented';
export type { ReceivedEvent, UploadEndpoint };

export interface AmplitudeSimulatorOptions {
  /** Valid project API keys; another key gets 400 Invalid API key. Omitted: any non-empty key is valid. */
  apiKeys?: string[];
  /** Events per second per user/device on /2/httpapi (default 30). */
  epsThreshold?: number;
  /** Events per second per user/device on /batch (default 1000). */
  batchEpsThreshold?: number;
  /** Window the rate is averaged over (default 30 s). */
  throttleWindowMs?: number;
  /** /batch only: events per user/device per rolling 24 h (default 500,000). */
  dailyQuota?: number;
  /** Insert_id dedupe window (default 7 days). */
  dedupeWindowMs?: number;
  /** Device ids whose events Amplitude has silenced: requests with them get the silenced 400. */
  silencedDevices?: string[];
  /** Clock for throttling, dedupe and server_upload_time, so tests need not sleep. */
  now?: () => number;
}

export interface StoredEvent {
  apiKey: string;
  endpoint: UploadEndpoint;
  event: ReceivedEvent;
  serverUploadTime: number;
}

export interface StoredIdentify {
  apiKey: string;
  via: 'identify_api' | 'identify_event';
  update: UserUpdate;
  receivedAt: number;
}

type IngestFailureStatus = 500 | 502 | 504;

/** Upload paths: what chaos aimed at "Amplitude's ingestion" matches, whichever endpoint a sender uses. */
export const UPLOAD_PATHS = /^\/(2\/httpapi|batch)$/;

/**
 * One time an event reached ingestion (an upload request that was parsed and accepted, duplicates
 * included), with the status its request was answered with; no status when the connection closed first.
 */
export interface DeliveryAttempt {
  at: number;
  endpoint: UploadEndpoint;
  status?: number;
}

/**
 * A local Amplitude: POST /2/httpapi, POST /batch and POST|GET /identify, answering as Amplitude documents
 * (testkit/fixtures/amplitude/documented.json; none of the service's own protocol code), with throttling,
 * insert_id dedupe, faults and inspection for tests.
 */
export class AmplitudeSimulator {
  readonly app: Express = express();
  /** Queued or random failures, answered before the request is processed or, `afterHandling`, after it was ingested. */
  readonly faults = new FaultInjector(bodyForStatus);
  readonly requests: RecordedRequest[] = [];
  /** Unique stored events in arrival order ($identify / $groupidentify events are kept apart). */
  readonly events: StoredEvent[] = [];
  readonly identifies: StoredIdentify[] = [];
  readonly groupIdentifies: StoredEvent[] = [];
  /** Responses sent, by HTTP status. */
  readonly statusCounts: Record<string, number> = {};

  private readonly now: () => number;
  private readonly throttle: Throttle;
  private readonly dedupe: DedupeIndex;
  private readonly attempts = new Map<string, DeliveryAttempt[]>();
  private readonly users = new UserTable();
  private duplicates = 0;
  private readonly server = new SimulatorServer(this.app);

  constructor(private readonly options: AmplitudeSimulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.throttle = new Throttle({
      windowMs: options.throttleWindowMs ?? LIMITS.epsAveragingWindowMs,
      dailyQuota: options.dailyQuota ?? LIMITS.batchDailyQuota,
    });
    this.dedupe = new DedupeIndex(options.dedupeWindowMs ?? LIMITS.dedupeWindowMs);
    this.routes();
  }

  /** Repeats of an already stored event that were accepted (200) but not stored again. */
  get duplicateCount(): number {
    return this.duplicates;
  }

  /** How many times an event with this insert_id reached ingestion (accepted requests, duplicates included). */
  deliveriesOf(insertId: string): number {
    return this.attemptsOf(insertId).length;
  }

  /** Every time an event with this insert_id reached ingestion, in order, with the answer its request got. */
  attemptsOf(insertId: string): readonly DeliveryAttempt[] {
    return this.attempts.get(insertId) ?? [];
  }

  /** A user's (or, failing that, a device's) current user properties in the given or any project. */
  userProperties(id: string, apiKey?: string): Record<string, unknown> | undefined {
    return this.users.find(id, apiKey);
  }

  /**
   * The next `times` upload requests are ingested and then answered with `status`: Amplitude may have
   * accepted a request it answers 500/502/504 to (503 never commits; use `faults` for that).
   */
  ingestThenFail(times: number, status: IngestFailureStatus = 500): this {
    if (![500, 502, 504].includes(status)) throw new Error(`ingestThenFail takes 500, 502 or 504, not ${status}`);
    this.faults.add({ path: UPLOAD_PATHS, status, afterHandling: true, times });
    return this;
  }

  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return this.server.listen(port, host);
  }

  async close(): Promise<void> {
    this.faults.releaseHanging();
    await this.server.close();
  }

  /** Forgets everything received and every queued fault, keeping the configuration. */
  reset(): void {
    this.faults.clear();
    this.requests.length = 0;
    this.events.length = 0;
    this.identifies.length = 0;
    this.groupIdentifies.length = 0;
    for (const status of Object.keys(this.statusCounts)) delete this.statusCounts[status];
    this.attempts.clear();
    this.users.clear();
    this.throttle.clear();
    this.dedupe.clear();
    this.duplicates = 0;
  }

  private routes(): void {
    const app = this.app;
    app.disable('x-powered-by');
    app.use((_req, res, next) => {
      res.on('finish', () => (this.statusCounts[res.statusCode] = (this.statusCounts[res.statusCode] ?? 0) + 1));
      next();
    });
    // What this Amplitude received, for a person trying the service (`npm run dev`); `?api_key=` narrows to
    // one project. Not Amplitude's API: no faults, not recorded.
    const project = (req: Request) => (typeof req.query.api_key === 'string' ? req.query.api_key : undefined);
    app.get('/_inspect/events', (req, res) => {
      const apiKey = project(req);
      res.json({ events: this.events.filter((e) => !apiKey || e.apiKey === apiKey) });
    });
    app.get('/_inspect/identifies', (req, res) => {
      const apiKey = project(req);
      res.json({ identifies: this.identifies.filter((e) => !apiKey || e.apiKey === apiKey) });
    });
    app.use(readRawBody());
    app.use(recordRequests(this.requests));
    app.use(this.faults.middleware());
    app.use(rejectOversizedBody());
    app.post('/2/httpapi', (req, res) => this.handleUpload('httpapi', req, res));
    app.post('/batch', (req, res) => this.handleUpload('batch', req, res));
    app.post('/identify', (req, res) => this.handleIdentify(req, res));
    app.get('/identify', (req, res) => this.handleIdentify(req, res));
    // Amplitude answers unknown paths (and methods) with a 400, not a 404.
    app.use((_req, res) => answer(res, documentedAnswer('invalidRequestPath')));
    app.use((_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json(bodyForStatus(500));
    });
  }

  /** Keys revoked since start (a project's key deleted in Amplitude): refused like an unknown key. */
  private readonly revokedApiKeys = new Set<string>();

  /** Revokes a project API key: Amplitude answers 400 Invalid API key to it from now on. */
  revokeApiKey(apiKey: string): void {
    this.revokedApiKeys.add(apiKey);
  }

  private isApiKeyValid = (apiKey: string): boolean =>
    !this.revokedApiKeys.has(apiKey) && (!this.options.apiKeys || this.options.apiKeys.includes(apiKey));

  private handleUpload(endpoint: UploadEndpoint, req: Request, res: Response): void {
    const now = this.now();
    const parsed = readUpload(
      rawBodyOf(res),
      { contentType: req.get('content-type'), contentEncoding: req.get('content-encoding') },
      endpoint,
      this.isApiKeyValid,
    );
    if (!parsed.ok) return answer(res, parsed.answer);
    const { apiKey, events } = parsed;
    const epsThreshold =
      endpoint === 'batch'
        ? (this.options.batchEpsThreshold ?? LIMITS.epsThreshold.batch)
        : (this.options.epsThreshold ?? LIMITS.epsThreshold.httpapi);

    const silenced = this.silencedIndexes(events);
    if (silenced.length > 0) {
      const devices = [...new Set(silenced.map((i) => events[i]!.device_id!))];
      return answer(res, silencedAnswer(devices, silenced, epsThreshold));
    }
    // Nothing of a throttled request is ingested; the body names the events to pause.
    const throttled = this.throttle.check(apiKey, events, epsThreshold, endpoint === 'batch', now);
    if (throttled) return answer(res, throttledAnswer(throttled));

    this.throttle.record(apiKey, events, now);
    const attempt: DeliveryAttempt = { at: now, endpoint };
    res.on('finish', () => (attempt.status = res.statusCode));
    for (const event of events) this.ingest(apiKey, endpoint, event, now, attempt);

    // events_ingested counts duplicates too: Amplitude does not reveal its dedupe at ingestion time.
    answer(res, successAnswer(events.length, parsed.payloadSizeBytes, now));
  }

  private silencedIndexes(events: readonly ReceivedEvent[]): number[] {
    const silenced = new Set(this.options.silencedDevices ?? []);
    return events.flatMap((event, index) => (event.device_id && silenced.has(event.device_id) ? [index] : []));
  }

  private ingest(
    apiKey: string,
    endpoint: UploadEndpoint,
    event: ReceivedEvent,
    now: number,
    attempt: DeliveryAttempt,
  ): void {
    if (event.insert_id) {
      const attempts = this.attempts.get(event.insert_id) ?? [];
      attempts.push(attempt);
      this.attempts.set(event.insert_id, attempts);
    }
    if (this.dedupe.isDuplicate(apiKey, event, now)) {
      this.duplicates += 1;
      return;
    }
    const stored: StoredEvent = { apiKey, endpoint, event, serverUploadTime: now };
    if (event.event_type === GROUP_IDENTIFY_EVENT_TYPE) {
      this.groupIdentifies.push(stored);
    } else if (event.event_type === IDENTIFY_EVENT_TYPE) {
      const update = userUpdate(event);
      this.identifies.push({ apiKey, via: 'identify_event', update, receivedAt: now });
      this.users.apply(apiKey, update, true);
    } else {
      this.events.push(stored);
      // Plain user_properties on an event update the user too, unless the sender opted out.
      if (event.user_properties && event.$skip_user_properties_sync !== true) {
        this.users.apply(apiKey, userUpdate(event), false);
      }
    }
  }

  private handleIdentify(req: Request, res: Response): void {
    const parsed = readIdentify(rawBodyOf(res), req.get('content-type'), req.query, this.isApiKeyValid);
    if (!parsed.ok) return answer(res, parsed.answer);
    const now = this.now();
    for (const identification of parsed.identifications) {
      const update = userUpdate(identification);
      this.identifies.push({ apiKey: parsed.apiKey, via: 'identify_api', update, receivedAt: now });
      this.users.apply(parsed.apiKey, update, true);
    }
    res.status(200).type('text/plain').send(IDENTIFY_SUCCESS_TEXT);
  }
}

function answer(res: Response, { status, body }: Answer): void {
  res.status(status).json(body);
}

export function createAmplitudeSimulator(options: AmplitudeSimulatorOptions = {}): AmplitudeSimulator {
  return new AmplitudeSimulator(options);
}
