import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Intercom signs each webhook with `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body>`,
 * keyed by the app's client secret. Both the simulator (signing) and our receiver (verifying) use this.
 */
export const SIGNATURE_HEADER = 'x-hub-signature';

export function signWebhookBody(rawBody: Buffer | string, clientSecret: string): string {
  return `sha1=${createHmac('sha1', clientSecret).update(rawBody).digest('hex')}`;
}

/** Constant-time check of a signature header against the raw body bytes. */
export function verifyWebhookSignature(rawBody: Buffer, header: string | undefined, clientSecret: string): boolean {
  if (!header || !/^sha1=[0-9a-f]{40}$/i.test(header)) return false;
  const expected = Buffer.from(signWebhookBody(rawBody, clientSecret));
  const given = Buffer.from(header.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
