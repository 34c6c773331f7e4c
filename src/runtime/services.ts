import type { Env } from '../config/env';
import type { Db } from '../db/client';
import type { SecretBox } from '../crypto/secrets';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';

export type IntercomRegion = 'US' | 'EU' | 'AU';
export type AmplitudeRegion = 'US' | 'EU';

const INTERCOM_HOSTS: Record<IntercomRegion, string> = {
  US: 'https://api.intercom.io',
  EU: 'https://api.eu.intercom.io',
  AU: 'https://api.au.intercom.io',
};
const AMPLITUDE_HOSTS: Record<AmplitudeRegion, string> = {
  US: 'https://api2.amplitude.com',
  EU: 'https://api.eu.amplitude.com',
};

/** Where the remote APIs live: the real regional hosts, or one override each (simulators, proxies). */
export interface ExternalUrls {
  intercomApi(region: IntercomRegion): string;
  intercomOAuth: string;
  amplitudeApi(region: AmplitudeRegion): string;
  /** Our own public base URL (OAuth redirect, setup page). */
  publicUrl: string;
}

export function externalUrlsFromEnv(env: Env): ExternalUrls {
  const strip = (u: string) => u.replace(/\/+$/, '');
  return {
    intercomApi: (region) => strip(env.INTERCOM_API_URL ?? INTERCOM_HOSTS[region]),
    intercomOAuth: env.INTERCOM_OAUTH_URL,
    amplitudeApi: (region) => strip(env.AMPLITUDE_API_URL ?? AMPLITUDE_HOSTS[region]),
    publicUrl: strip(env.PUBLIC_URL ?? `http://localhost:${env.PORT}`),
  };
}

/** Everything the API and the activities need, built once per process. */
export interface Services {
  env: Env;
  db: Db;
  secrets: SecretBox;
  logger: Logger;
  metrics: Metrics;
  urls: ExternalUrls;
}
