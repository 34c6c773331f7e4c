import { IntercomApiError } from './api-error';
import { newAccessToken, newOAuthCode } from './ids';

export interface TokenRecord {
  token: string;
  appId: string;
  /** A private app's workspace access token, or one issued by the OAuth exchange. */
  kind: 'access_token' | 'oauth';
  issuedAt: number;
  revokedAt: number | null;
}

/** Tokens never expire; they stop working only when revoked (uninstall). */
export class TokenRegistry {
  private readonly tokens = new Map<string, TokenRecord>();

  constructor(private readonly now: () => number) {}

  issue(appId: string, kind: TokenRecord['kind']): string {
    const token = newAccessToken();
    this.tokens.set(token, { token, appId, kind, issuedAt: this.now(), revokedAt: null });
    return token;
  }

  lookup(token: string): TokenRecord | undefined {
    return this.tokens.get(token);
  }

  /** Revokes every live token of a workspace (or only those of one kind); returns the tokens revoked. */
  revokeAll(appId: string, kind?: TokenRecord['kind']): string[] {
    const revoked: string[] = [];
    for (const record of this.tokens.values()) {
      if (record.appId === appId && record.revokedAt === null && (!kind || record.kind === kind)) {
        record.revokedAt = this.now();
        revoked.push(record.token);
      }
    }
    return revoked;
  }

  revoked(): TokenRecord[] {
    return [...this.tokens.values()].filter((r) => r.revokedAt !== null);
  }

  snapshot(): TokenRecord[] {
    return [...this.tokens.values()].map((r) => ({ ...r }));
  }

  restore(records: TokenRecord[]): void {
    for (const record of records) this.tokens.set(record.token, { ...record });
  }
}

export const OAUTH_CODE_TTL_MS = 5 * 60_000;

interface CodeRecord {
  appId: string;
  issuedAt: number;
  used: boolean;
}

/** Authorization codes: single use, valid for five minutes. */
export class OAuthCodes {
  private readonly codes = new Map<string, CodeRecord>();

  constructor(private readonly now: () => number) {}

  issue(appId: string): string {
    const code = newOAuthCode();
    this.codes.set(code, { appId, issuedAt: this.now(), used: false });
    return code;
  }

  /** Returns the workspace the code was issued for; 401 "Unauthorized Code" when unknown, used or expired. */
  redeem(code: unknown): string {
    const record = typeof code === 'string' ? this.codes.get(code) : undefined;
    if (!record || record.used || this.now() - record.issuedAt > OAUTH_CODE_TTL_MS) {
      throw new IntercomApiError(401, 'unauthorized', 'Unauthorized Code');
    }
    record.used = true;
    return record.appId;
  }
}
