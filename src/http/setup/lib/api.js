// The admin API. The admin token lives in this tab's sessionStorage only and goes with every call.

const TOKEN_KEY = 'intercom-amplitude.admin-token';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const enc = encodeURIComponent;

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** One HTTP call to our API; a non-2xx answer throws an ApiError with the API's own message. */
export async function request(method, path, body, bearer) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'The service did not answer. Is it running?');
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const message = data && typeof data.error === 'string' ? data.error : `HTTP ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return data;
}

let onRefused = () => {};

/** What to do when the API refuses the admin token (the page asks for it again). */
export function whenTokenRefused(handler) {
  onRefused = handler;
}

/** An admin API call with the tab's token. */
export async function api(method, path, body) {
  try {
    return await request(method, path, body, token() || '');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      forgetToken();
      onRefused();
    }
    throw err;
  }
}

let document_;

/** The admin API's OpenAPI document (public; loaded once per page load). Forms are rendered from its schemas. */
export function openApiDocument() {
  document_ ??= request('GET', '/api/openapi.json').catch((err) => {
    document_ = undefined;
    throw new ApiError(err.status, `The API description could not be loaded: ${err.message}`);
  });
  return document_;
}
