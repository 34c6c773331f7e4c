import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Fault injection shared by the simulators: tests queue faults (a status with a body, a delay,
 * a hang past the client's timeout) for requests matching a method/path, or switch on chaos
 * (a share of requests failing at random) or an outage window.
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
}

export interface ChaosOptions {
  /** Share of matching requests that fail, 0..1. */
  rate: number;
  statuses: number[];
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
  /** How many requests a fault answered, by status (or 'hang'). */
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
      const answer = (status: number, body?: unknown, headers?: Record<string, string>) => {
        count(String(status));
        if (headers) res.set(headers);
        res.status(status).json(body ?? this.defaultBodyFor(status));
      };
      if (Date.now() < this.outageUntil) return answer(this.outageStatus);

      const rule = this.rules.find((r) => r.left > 0 && matches(r, req.method, req.path));
      if (rule) {
        rule.left -= 1;
        this.rules = this.rules.filter((r) => r.left > 0);
        if (rule.hang) {
          count('hang');
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
          return;
        }
        const act = () => (rule.status ? answer(rule.status, rule.body, rule.headers) : next());
        if (rule.delayMs) setTimeout(act, rule.delayMs);
        else act();
        return;
      }

      const chaos = this.chaosOptions;
      if (chaos && matches(chaos, req.method, req.path)) {
        const random = chaos.random ?? Math.random;
        if (random() < chaos.rate) {
          const status = chaos.statuses[Math.floor(random() * chaos.statuses.length)] ?? 500;
          return answer(status, chaos.bodyFor?.(status));
        }
      }
      next();
    };
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
