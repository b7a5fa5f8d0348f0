import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { FactoryProvider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../../config/configuration';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96-bit IVs are what GCM is designed for; a fresh random one per encryption. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** Thrown when a stored value cannot be read back: malformed, tampered with, or another key. */
export class SecretDecryptionError extends Error {
  constructor(reason: string) {
    super(`Stored secret cannot be decrypted: ${reason}`);
    this.name = 'SecretDecryptionError';
  }
}

/**
 * Encrypts small secrets (streamers' Twitch client secrets) for storage in one text column, as
 * `v1:<base64 iv>:<base64 tag>:<base64 ciphertext>` with AES-256-GCM. The version prefix lets a
 * later key or algorithm change tell old values from new ones; it is also bound in as associated
 * data, so a value cannot be passed off under another version.
 *
 * The error messages never contain the secret or the stored value.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) {
      throw new Error(`SecretBox needs a ${KEY_BYTES}-byte key (got ${key.length} bytes)`);
    }
    // A private copy: the caller's buffer may be reused or zeroed.
    this.key = Buffer.from(key);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(VERSION, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
      .join(':');
  }

  decrypt(stored: string): string {
    const parts = stored.split(':');
    if (parts.length !== 4) throw new SecretDecryptionError('not in the v1:iv:tag:data format');
    const [version, ivText, tagText, ciphertextText] = parts;
    if (version !== VERSION) throw new SecretDecryptionError(`unknown version "${version}"`);
    const iv = decodeBase64(ivText);
    const tag = decodeBase64(tagText);
    const ciphertext = decodeBase64(ciphertextText);
    if (!iv || iv.length !== IV_BYTES || !tag || tag.length !== TAG_BYTES || !ciphertext) {
      throw new SecretDecryptionError('malformed iv, tag or data');
    }
    const decipher = createDecipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(VERSION, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // GCM cannot tell a wrong key from a modified value: both fail authentication.
      throw new SecretDecryptionError('authentication failed (wrong key or tampered value)');
    }
  }
}

/** Node's base64 decoder skips invalid characters silently; a stored value must be exact. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64');
}

/** The app's SecretBox, keyed from `auth.encryptionKey` (CLIPADOR_ENCRYPTION_KEY). */
export const secretBoxProvider: FactoryProvider<SecretBox> = {
  provide: SecretBox,
  inject: [ConfigService],
  useFactory: (config: ConfigService<AppConfig, true>) =>
    new SecretBox(config.get('auth', { infer: true }).encryptionKey),
};
