import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createIntercomSimulator,
  type IntercomSimulator,
  type IntercomSimulatorOptions,
} from '../../../testkit/simulators/intercom';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** A clock the tests move by hand: rate-limit windows, code expiry and search lag read it. */
export function manualClock(start = Date.UTC(2026, 0, 14, 12, 0, 3)) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    set: (ms: number) => {
      now = ms;
    },
  };
}

export interface Harness {
  sim: IntercomSimulator;
  baseUrl: string;
  appId: string;
  token: string;
  call(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string | null; headers?: Record<string, string> },
  ): Promise<ApiAnswer>;
}

/** A listening simulator with one workspace (`ws1`) and its private-app token. */
export async function startIntercom(options: IntercomSimulatorOptions = {}): Promise<Harness> {
  const sim = createIntercomSimulator(options);
  const baseUrl = await sim.listen();
  const { appId, accessToken } = sim.addWorkspace({ appId: 'ws1', name: 'Acme', region: 'EU', timezone: 'UTC' });
  const call: Harness['call'] = async (method, path, { body, token = accessToken, headers = {} } = {}) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        'Content-Type': 'application/json',
        'Intercom-Version': '2.14',
        ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  };
  return { sim, baseUrl, appId, token: accessToken, call };
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A stand-in for our service's webhook/uninstall endpoint that keeps the raw bytes it got. */
export async function startReceiver(answer: { status?: number; delayMs?: number } = {}) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw: Buffer.concat(chunks),
      });
      const reply = () => res.writeHead(answer.status ?? 200).end();
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
