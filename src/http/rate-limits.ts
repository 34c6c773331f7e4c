import type { Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Env } from '../config/env';

/**
 * Per-client and per-key request budgets of the public endpoints (fixed one-second windows, in memory:
 * per api process). Each protocol answers an exhausted budget its own way, so the limiter only says
 * whether a request may go on and for how long the caller should wait.
 *
 * Intercom's webhook path has no budget: Intercom sends every workspace's notifications from a few
 * addresses and answers a 429 by throttling the whole subscription, so there the signature, checked
 * first and cheaply, is the gate.
 */
export class RequestBudget {
  private readonly limiter?: RateLimiterMemory;

  constructor(perSecond: number, prefix: string) {
    if (perSecond > 0) this.limiter = new RateLimiterMemory({ points: perSecond, duration: 1, keyPrefix: prefix });
  }

  /** Spends one request of `key`'s budget: undefined when it may go on, else the ms until it may retry. */
  async spend(key: string): Promise<number | undefined> {
    if (!this.limiter) return undefined;
    try {
      await this.limiter.consume(key);
      return undefined;
    } catch (res) {
      if (res instanceof RateLimiterRes) return Math.max(1, res.msBeforeNext);
      throw res;
    }
  }
}

export interface PublicRateLimits {
  perIp: RequestBudget;
  perIngestKey: RequestBudget;
}

export function publicRateLimits(env: Pick<Env, 'RATE_LIMIT_PER_IP' | 'RATE_LIMIT_PER_INGEST_KEY'>): PublicRateLimits {
  return {
    perIp: new RequestBudget(env.RATE_LIMIT_PER_IP, 'ip'),
    perIngestKey: new RequestBudget(env.RATE_LIMIT_PER_INGEST_KEY, 'key'),
  };
}

/** Express middleware spending the client IP's budget; `answer` writes the protocol's 429. */
export function limitPerIp(
  budget: RequestBudget,
  answer: (res: Response, retryAfterMs: number) => void = answerTooManyRequests,
): RequestHandler {
  return (req: Request, res: Response, next) => {
    budget.spend(req.ip ?? req.socket.remoteAddress ?? 'unknown').then((waitMs) => {
      if (waitMs === undefined) next();
      else answer(res, waitMs);
    }, next);
  };
}

/** A 429 for our own (non-Amplitude) endpoints: JSON and Retry-After in whole seconds. */
export function answerTooManyRequests(res: Response, retryAfterMs: number): void {
  res
    .status(429)
    .set('retry-after', String(Math.ceil(retryAfterMs / 1000)))
    .json({ error: 'too many requests; retry later' });
}

/** Express's `trust proxy` from TRUST_PROXY: true/false, a hop count, or a list of addresses and subnets. */
export function trustProxySetting(value: string): boolean | number | string {
  const text = value.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false' || text === '') return false;
  if (/^\d+$/.test(text)) return Number(text);
  return value;
}
