import { newRequestId } from './ids';

/** One entry of Intercom's `error.list`. */
export interface IntercomErrorEntry {
  code: string;
  message: string;
  field?: string;
}

export interface IntercomErrorList {
  type: 'error.list';
  request_id: string;
  errors: IntercomErrorEntry[];
}

export function errorList(code: string, message: string, field?: string): IntercomErrorList {
  return { type: 'error.list', request_id: newRequestId(), errors: [{ code, message, ...(field ? { field } : {}) }] };
}

/**
 * Thrown by the simulator's domain code and turned into an HTTP answer by the error middleware.
 * `body` overrides the error.list for the few endpoints Intercom answers with another shape
 * (the event-type limit's bare `{code, message}`).
 */
export class IntercomApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly body?: unknown,
  ) {
    super(message);
  }

  toBody(): unknown {
    return this.body ?? errorList(this.code, this.message, this.field);
  }
}

export const badParameter = (message: string, field?: string) =>
  new IntercomApiError(400, 'parameter_invalid', message, field);

export const missingParameter = (message: string, field?: string) =>
  new IntercomApiError(400, 'parameter_not_found', message, field);

export const userNotFound = () => new IntercomApiError(404, 'not_found', 'User Not Found');

export const resourceNotFound = () => new IntercomApiError(404, 'not_found', 'Resource Not Found');

/** The error code Intercom puts on a given status, used for injected faults. */
export function codeForStatus(status: number): string {
  const codes: Record<number, string> = {
    400: 'parameter_invalid',
    401: 'unauthorized',
    403: 'api_plan_restricted',
    404: 'not_found',
    405: 'method_not_allowed',
    406: 'not_acceptable',
    408: 'request_timeout',
    409: 'conflict',
    410: 'gone',
    422: 'unprocessable_entity',
    429: 'rate_limit_exceeded',
    503: 'service_unavailable',
  };
  return codes[status] ?? (status >= 500 ? 'server_error' : 'client_error');
}

const faultMessages: Record<string, string> = {
  unauthorized: 'Access Token Invalid',
  rate_limit_exceeded: 'Exceeded rate limit',
  server_error: 'Server Error',
  service_unavailable: 'Sorry, the API service is temporarily unavailable',
  request_timeout: 'Request Timeout',
  not_found: 'Resource Not Found',
  conflict: 'Conflict',
};

/** Default body for a status injected through the FaultInjector. */
export function faultBody(status: number): IntercomErrorList {
  const code = codeForStatus(status);
  return errorList(code, faultMessages[code] ?? `Simulated ${status} error`);
}
