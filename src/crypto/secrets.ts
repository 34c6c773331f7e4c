import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * AES-256-GCM sealing for secrets at rest (OAuth tokens, API keys).
 * Format: `v2.<key id>.<iv>.<tag>.<ciphertext>` in base64url; the key id (the first 8 bytes of the key's
 * SHA-256, so it reveals nothing) names the key that sealed it, so keys can be rotated: values are sealed
 * under the current key, opened under whichever known key sealed them. Values sealed before key ids
 * (`v1.<iv>.<tag>.<ciphertext>`) are tried under every known key. The connection id and secret kind are
 * bound as additional authenticated data, so a sealed value copied onto another row does not open.
 */
export class SecretBox {
  private readonly current: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  /** `keyBase64` seals (and opens); `previousKeysBase64` (ENCRYPTION_KEYS) only open. */
  constructor(keyBase64: string, previousKeysBase64: readonly string[] = []) {
    this.current = SecretBox.decodeKey(keyBase64);
    this.keys.set(this.current.id, this.current.key);
    for (const previous of previousKeysBase64) {
      const { id, key } = SecretBox.decodeKey(previous);
      if (!this.keys.has(id)) this.keys.set(id, key);
    }
  }

  private static decodeKey(keyBase64: string): { id: string; key: Buffer } {
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length !== 32) throw new Error('encryption key must be 32 bytes (base64)');
    return { id: createHash('sha256').update(key).digest().subarray(0, 8).toString('base64url'), key };
  }

  /** The id of the key new values are sealed under. */
  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      'v2',
      this.current.id,
      iv.toString('base64url'),
      tag.toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts[0] === 'v2' && parts.length === 5) {
      const key = this.keys.get(parts[1]!);
      if (!key) throw new Error('sealed under an encryption key that is not configured (ENCRYPTION_KEYS)');
      return decrypt(key, parts[2]!, parts[3]!, parts[4]!, context);
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      // No key id: whichever known key authenticates it sealed it (GCM's tag tells a wrong key apart).
      for (const key of this.keys.values()) {
        try {
          return decrypt(key, parts[1]!, parts[2]!, parts[3]!, context);
        } catch {
          // next key
        }
      }
      throw new Error('no configured encryption key opens this sealed secret');
    }
    throw new Error('unrecognised sealed secret');
  }

  /** True when the value is not sealed under the current key (rotate-keys re-seals it). */
  isStale(sealed: string): boolean {
    const [version, keyId] = sealed.split('.');
    return version !== 'v2' || keyId !== this.current.id;
  }
}

function decrypt(key: Buffer, iv: string, tag: string, ciphertext: string, context: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}

export function generateKeyBase64(): string {
  return randomBytes(32).toString('base64');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A URL-safe random token (OAuth state, ingest keys). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time string comparison that does not leak length through early exit. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
