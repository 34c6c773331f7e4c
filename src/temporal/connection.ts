import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Env } from '../config/env';

export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: boolean;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  tlsServerName?: string;
}

export function temporalTargetFromEnv(env: Env, address = env.TEMPORAL_ADDRESS): TemporalTarget {
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set');
  return {
    address,
    namespace: env.TEMPORAL_NAMESPACE,
    apiKey: env.TEMPORAL_API_KEY,
    tls: env.TEMPORAL_TLS,
    tlsCertPath: env.TEMPORAL_TLS_CERT_PATH,
    tlsKeyPath: env.TEMPORAL_TLS_KEY_PATH,
    tlsServerName: env.TEMPORAL_TLS_SERVER_NAME,
  };
}

/** TLS settings: mTLS with a client certificate, plain TLS, or none. An API key (Temporal Cloud) implies TLS. */
function tlsOptions(target: TemporalTarget) {
  if (target.tlsCertPath && target.tlsKeyPath) {
    return {
      serverNameOverride: target.tlsServerName,
      clientCertPair: { crt: readFileSync(target.tlsCertPath), key: readFileSync(target.tlsKeyPath) },
    };
  }
  if (target.tls || target.apiKey) return target.tlsServerName ? { serverNameOverride: target.tlsServerName } : true;
  return undefined;
}

export async function connectClient(target: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({
    address: target.address,
    tls: tlsOptions(target),
    apiKey: target.apiKey,
  });
  return new Client({ connection, namespace: target.namespace });
}

/**
 * A client that connects on first use and reconnects by itself (gRPC): the api starts, stores and
 * acknowledges while Temporal is down; calls made meanwhile fail (the doorbell retries its signals).
 */
export function lazyClient(target: TemporalTarget): Client {
  const connection = Connection.lazy({ address: target.address, tls: tlsOptions(target), apiKey: target.apiKey });
  return new Client({ connection, namespace: target.namespace });
}

export async function connectNative(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({ address: target.address, tls: tlsOptions(target), apiKey: target.apiKey });
}

/** Waits until the namespace answers; a freshly started dev server opens its port before it is ready. */
export async function waitForNamespace(client: Client, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await client.workflowService.describeNamespace({ namespace: client.options.namespace });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`Temporal namespace not ready: ${String(lastError)}`);
}
