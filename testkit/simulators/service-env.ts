import type { IntercomSimulator } from './intercom';

/** The variables that point the service at the simulators instead of Intercom and Amplitude. */
export function simulatorEnv(options: {
  intercom: IntercomSimulator;
  intercomUrl: string;
  amplitudeUrl?: string;
}): Record<string, string> {
  return {
    INTERCOM_CLIENT_ID: options.intercom.clientId,
    INTERCOM_CLIENT_SECRET: options.intercom.clientSecret,
    INTERCOM_API_URL: options.intercomUrl,
    INTERCOM_OAUTH_URL: `${options.intercomUrl}/oauth`,
    ...(options.amplitudeUrl ? { AMPLITUDE_API_URL: options.amplitudeUrl } : {}),
  };
}
