import type { Response } from 'express';
import type { IntercomSimulator } from './index';
import type { Workspace } from './workspace';

/** What the route modules need from the simulator: its own declarations (./index.ts) say what each is. */
export type SimulatorContext = Pick<
  IntercomSimulator,
  | 'clientId'
  | 'clientSecret'
  | 'now'
  | 'tokens'
  | 'codes'
  | 'limiter'
  | 'redirectUris'
  | 'versionsSeen'
  | 'findWorkspace'
  | 'consentWorkspace'
  | 'uninstall'
  | 'emitChange'
>;

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
