import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Identifiers shaped like Intercom's, so clients that validate or log them see realistic values:
 * contact ids are 24 hex chars (time-prefixed, Mongo style), conversation/part/tag/admin ids are
 * numeric strings, workspace app ids are 8 lowercase alphanumerics.
 */
let numericCounter = 100_000_000 + Math.floor(Math.random() * 1_000_000);

export function newContactId(nowMs: number): string {
  const seconds = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + randomBytes(8).toString('hex');
}

/** Increasing numeric ids: creation order is also id order, as with Intercom's integer ids. */
export function newNumericId(): string {
  numericCounter += 1 + Math.floor(Math.random() * 5);
  return String(numericCounter);
}

export function newAppId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(8), (byte) => alphabet[byte % alphabet.length]).join('');
}

export function newRequestId(): string {
  return randomUUID();
}

export function newNotificationId(): string {
  return `notif_${randomUUID()}`;
}

/** Access tokens look like Intercom's base64 `tok:` tokens. */
export function newAccessToken(): string {
  return Buffer.from(`tok:${randomUUID()}:1:0`).toString('base64');
}

/** OAuth codes are base64 with `=` padding: clients that drop the `=` get 401 "Unauthorized Code". */
export function newOAuthCode(): string {
  return randomBytes(17).toString('base64');
}
