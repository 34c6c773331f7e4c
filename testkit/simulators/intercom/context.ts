import type { TokenRecord } from './auth';
import type { Response } from 'express';
import type { OAuthCodes, TokenRegistry } from './auth';
import type { WindowRateLimiter } from './rate-limit';
import type { Workspace } from './workspace';

/** What the route modules need from the simulator. */
export interface SimulatorContext {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly now: () => number;
  readonly tokens: TokenRegistry;
  readonly codes: OAuthCodes;
  readonly limiter: WindowRateLimiter;
  /** Registered redirect URLs; empty means any URL is accepted. */
  readonly redirectUris: readonly string[];
  /** Intercom-Version values seen, with counts (absent header counted as 'none'). */
  readonly versionsSeen: Map<string, number>;
  findWorkspace(appId: string): Workspace | undefined;
  /** The workspace the consent screen installs into when the request names none. */
  consentWorkspace(): Workspace;
  /** Revokes the workspace's tokens (of one kind, if given), marks the app uninstalled and notifies the uninstall URL. */
  uninstall(appId: string, kind?: TokenRecord['kind']): Promise<void>;
  /** Sends a webhook about a change made through the API, when the simulator is set up to. */
  emitChange(appId: string, topic: string, item: unknown): void;
}

export interface AuthenticatedLocals {
  workspace: Workspace;
  token: string;
}

export function workspaceOf(res: Response): Workspace {
  return (res.locals as AuthenticatedLocals).workspace;
}

export function tokenOf(res: Response): string {
  return (res.locals as AuthenticatedLocals).token;
}
