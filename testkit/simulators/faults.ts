import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Fault injection shared by the simulators: tests queue faults (a status with a body, a delay,
 * a hang past the client's timeout) for requests matching a method/path, or switch on chaos
 * (a share of requests failing at random) or an outage window. A fault either answers before the
 * simulator sees the request (nothing stored), or `afterHandling`: the simulator handles it (stores
 * what it carries) and the fault replaces its success answer, as a server that committed and then
 * failed to say so (Amplitude's 500/502/504 "may have been ingested").
 */
export interface FaultRule {
  method?: string;
  /** Exact path, or a pattern tested against the path (no query string). */
  path?: string | RegExp;
  /** Status to answer with; omit for a pure delay. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Milliseconds to wait before answering (or before passing on when no status is set). */
  delayMs?: number;
  /** Never answer: the client's own timeout fires. The socket is closed when the simulator stops. */
  hang?: boolean;
  /** How many matching requests this rule affects; default 1. */
  times?: number;
  /**
   * Handle the request first, then answer `status` (or hang) only in place of a success (2xx); a refusal
   * passes through.
   */
  afterHandling?: boolean;
}

export interface ChaosOptions {
  /** Share of matching requests that fail before being handled, 0..1. */
  rate: number;
  statuses: number[];
  /** Share of the other matching requests that are handled, then answered with one of `afterHandlingStatuses`. */
  afterHandlingRate?: number;
  afterHandlingStatuses?: number[];
  /** Exact path or pattern; omit for every path. */
  path?: string | RegExp;
  bodyFor?: (status: number) => unknown;
  /** Deterministic random source for reproducible tests. */
  random?: () => number;
}

export class FaultInjector {
  private rules: (FaultRule & { left: number })[] = [];
  private chaosOptions?: ChaosOptions;
  private outageUntil = 0;
  private outageStatus = 503;
  private readonly hanging = new Set<Response>();
  /**
   * How many requests a fault answered, by kind: the status (answered before handling), `<status> after
   * handling` (handled, then failed), `outage <status>`, `hang` or `hang after handling`.
   */
  readonly injected: Record<string, number> = {};

  constructor(private readonly defaultBodyFor: (status: number) => unknown) {}

  add(rule: FaultRule): this {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
    return this;
  }

  /** Fails the next `times` matching requests with `status`. */
  failNext(times: number, status: number, match: Pick<FaultRule, 'method' | 'path'> = {}): this {
    return this.add({ ...match, status, times });
  }

  chaos(options: ChaosOptions | undefined): this {
    this.chaosOptions = options;
    return this;
  }

  /** Every request fails with `status` for the next `ms` milliseconds. */
  outage(ms: number, status = 503): this {
    this.outageUntil = Date.now() + ms;
    this.outageStatus = status;
    return this;
  }

  clear(): void {
    this.rules = [];
    this.chaosOptions = undefined;
    this.outageUntil = 0;
  }

  /** Releases hanging requests (closes their sockets). */
  releaseHanging(): void {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }

  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const count = (key: string) => (this.injected[key] = (this.injected[key] ?? 0) + 1);
      const answer = (status: number, body?: unknown, headers?: Record<string, string>, kind = String(status)) => {
        count(kind);
        if (headers) res.set(headers);
        res.status(status).json(body ?? this.defaultBodyFor(status));
      };
      const afterHandling = (status: number, body?: unknown, headers?: Record<string, string>) => {
        this.swapSuccess(res, (send) => {
          count(`${status} after handling`);
          if (headers) res.set(headers);
          res.status(status).type('application/json');
          return send(JSON.stringify(body ?? this.defaultBodyFor(status)));
        });
        next();
      };
      if (Date.now() < this.outageUntil)
        return answer(this.outageStatus, undefined, undefined, `outage ${this.outageStatus}`);

      const rule = this.rules.find((r) => r.left > 0 && matches(r, req.method, req.path));
      if (rule) {
        rule.left -= 1;
        this.rules = this.rules.filter((r) => r.left > 0);
        if (rule.hang && rule.afterHandling) {
          // Stored, then never answered: the client's timeout fires with the events already in.
          this.swapSuccess(res, () => {
            count('hang after handling');
            this.hold(res);
          });
          return next();
        }
        if (rule.hang) {
          count('hang');
          this.hold(res);
          return;
        }
        const act = () => {
          if (rule.status === undefined) next();
          else if (rule.afterHandling) afterHandling(rule.status, rule.body, rule.headers);
          else answer(rule.status, rule.body, rule.headers);
        };
        if (rule.delayMs) setTimeout(act, rule.delayMs);
        else act();
        return;
      }

      const chaos = this.chaosOptions;
      if (chaos && matches(chaos, req.method, req.path)) {
        const random = chaos.random ?? Math.random;
        const pick = (statuses: number[]) => statuses[Math.floor(random() * statuses.length)] ?? 500;
        if (random() < chaos.rate) {
          const status = pick(chaos.statuses);
          return answer(status, chaos.bodyFor?.(status));
        }
        if (chaos.afterHandlingRate && chaos.afterHandlingStatuses?.length && random() < chaos.afterHandlingRate) {
          const status = pick(chaos.afterHandlingStatuses);
          return afterHandling(status, chaos.bodyFor?.(status));
        }
      }
      next();
    };
  }

  /**
   * Lets the handler run, and answers with `failure` instead when its status is a 2xx. Handlers answer
   * through res.send (res.json calls it), so that is where the answer is caught.
   */
  private swapSuccess(res: Response, failure: (send: Response['send']) => unknown): void {
    const send = res.send.bind(res) as Response['send'];
    res.send = ((body?: unknown) => {
      if (res.statusCode < 200 || res.statusCode >= 300) return send(body);
      failure(send);
      return res;
    }) as Response['send'];
  }

  /** Keeps a request unanswered until the client gives up or the simulator stops. */
  private hold(res: Response): void {
    this.hanging.add(res);
    res.on('close', () => this.hanging.delete(res));
  }
}

function matches(rule: { method?: string; path?: string | RegExp }, method: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (rule.path === undefined) return true;
  return typeof rule.path === 'string' ? rule.path === path : rule.path.test(path);
}

/** What a simulator received, for tests to inspect. Secrets in headers are kept: the simulator is a test double. */
export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status?: number;
}

export function recordRequests(log: RecordedRequest[], limit = 100_000): RequestHandler {
  return (req, res, next) => {
    const entry: RecordedRequest = {
      at: Date.now(),
      method: req.method,
      path: req.path,
      query: { ...req.query },
      headers: { ...req.headers },
      body: req.body,
    };
    if (log.length >= limit) log.shift();
    log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.body = req.body; // body parsers run after this middleware
    });
    next();
  };
}
