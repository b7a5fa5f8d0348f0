import { randomBytes } from 'node:crypto';
import { SecretBox, SecretDecryptionError } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('decrypts what it encrypted, including non-ASCII and empty text', () => {
    for (const plain of ['twitch-client-secret-123', 'ção ✓ 秘密', '']) {
      expect(box.decrypt(box.encrypt(plain))).toBe(plain);
    }
  });

  it('stores v1:<iv>:<tag>:<data> with a 12-byte iv and a 16-byte tag, without the plain text', () => {
    const stored = box.encrypt('plain-secret');
    const [version, iv, tag, data] = stored.split(':');
    expect(version).toBe('v1');
    expect(Buffer.from(iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(data, 'base64')).toHaveLength('plain-secret'.length);
    expect(stored).not.toContain('plain-secret');
  });

  it('uses a fresh random iv, so the same secret encrypts differently each time', () => {
    const first = box.encrypt('same');
    const second = box.encrypt('same');
    expect(first).not.toBe(second);
    expect(first.split(':')[1]).not.toBe(second.split(':')[1]);
  });

  it('detects a modified ciphertext, tag or iv', () => {
    const [version, iv, tag, data] = box.encrypt('do not touch').split(':');
    const flipFirstByte = (base64: string) => {
      const bytes = Buffer.from(base64, 'base64');
      bytes[0] ^= 0x01;
      return bytes.toString('base64');
    };
    for (const tampered of [
      [version, iv, tag, flipFirstByte(data)],
      [version, iv, flipFirstByte(tag), data],
      [version, flipFirstByte(iv), tag, data],
    ]) {
      expect(() => box.decrypt(tampered.join(':'))).toThrow(SecretDecryptionError);
    }
  });

  it('refuses a value encrypted with another key', () => {
    const other = new SecretBox(randomBytes(32));
    expect(() => other.decrypt(box.encrypt('secret'))).toThrow(
      /authentication failed \(wrong key or tampered value\)/,
    );
  });

  it('refuses malformed values and other versions with a clear error', () => {
    const valid = box.encrypt('secret');
    const [, iv, tag, data] = valid.split(':');
    expect(() => box.decrypt('plain-text-secret')).toThrow(/not in the v1:iv:tag:data format/);
    expect(() => box.decrypt(`v2:${iv}:${tag}:${data}`)).toThrow(/unknown version "v2"/);
    expect(() => box.decrypt(`v1:${iv}:${tag.slice(4)}:${data}`)).toThrow(/malformed/);
    expect(() => box.decrypt(`v1:${iv}:${tag}:${data}!`)).toThrow(/malformed/);
  });

  it('does not put the stored value or the secret in its error message', () => {
    const stored = box.encrypt('hunter2-secret');
    const other = new SecretBox(randomBytes(32));
    try {
      other.decrypt(stored);
      throw new Error('decrypt should have failed');
    } catch (error) {
      expect((error as Error).message).not.toContain(stored);
      expect((error as Error).message).not.toContain('hunter2-secret');
    }
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32-byte key/);
  });
});
