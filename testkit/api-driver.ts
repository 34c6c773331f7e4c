import type { IntercomSimulator } from './simulators/intercom';

/** What the flows in testkit/ need to drive the service: shared by tests (Harness) and bench/ (Stack). */
export interface ApiDriver {
  apiUrl: string;
  intercom: IntercomSimulator;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** An assertion usable outside the test runner (bench and fault scripts import these flows too). */
export function must(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** `fetch` against our admin API with the bearer token, answering status and parsed body. */
export function adminClient(apiUrl: string, token: string): ApiDriver['admin'] {
  return async (method, path, body) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      // A hung api must fail the caller, not stall it.
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  };
}
