import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import bcrypt from 'bcryptjs';
import type { AppConfig } from '../config/configuration';
import { PasswordWorkerPool } from './password-pool';

const pbkdf2Async = promisify(pbkdf2);

/** bcrypt work factor; 10 is the floor TARGETS.md sets, 12 costs ~4× more per login. */
export const BCRYPT_COST = 11;

/** passlib's `pbkdf2_sha256`, the old Python service's format: `$pbkdf2-sha256$rounds$salt$hash`. */
const LEGACY_PBKDF2 = /^\$pbkdf2-sha256\$(\d+)\$([./A-Za-z0-9]*)\$([./A-Za-z0-9]+)$/;

/**
 * A real bcrypt hash of a random password, compared against when the user does not exist, so an
 * unknown username costs the same time as a wrong password and does not reveal who has an account.
 */
const DUMMY_HASH = bcrypt.hashSync(`dummy-${Math.random()}`, BCRYPT_COST);

/**
 * Hashes and checks passwords (bcrypt; legacy passlib pbkdf2_sha256 hashes are still accepted) on
 * the password worker pool: never on the event loop, and never more at once than the pool allows
 * (beyond its queue: `PasswordPoolBusyError`, a 429).
 */
@Injectable()
export class PasswordHasher implements OnModuleDestroy {
  private readonly pool: PasswordWorkerPool;

  constructor(config: ConfigService<AppConfig, true>) {
    const auth = config.get('auth', { infer: true });
    this.pool = new PasswordWorkerPool(auth.passwordWorkers, auth.passwordQueue);
  }

  hash(password: string): Promise<string> {
    return this.pool.run({ op: 'hash', args: [password, BCRYPT_COST] });
  }

  /** True when `password` matches `hash` (bcrypt, or a legacy passlib pbkdf2_sha256 hash). */
  async verify(password: string, hash: string): Promise<boolean> {
    const legacy = LEGACY_PBKDF2.exec(hash);
    if (legacy) return this.verifyLegacy(password, Number(legacy[1]), legacy[2], legacy[3]);
    if (!hash.startsWith('$2')) return false;
    return this.pool.run({ op: 'compare', args: [password, hash] });
  }

  /** Spends the time of one bcrypt comparison and always fails. */
  async verifyAgainstDummy(password: string): Promise<false> {
    await this.pool.run({ op: 'compare', args: [password, DUMMY_HASH] });
    return false;
  }

  get load(): { running: number; queued: number } {
    return this.pool.load;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.close();
  }

  private async verifyLegacy(
    password: string,
    rounds: number,
    salt: string,
    checksum: string,
  ): Promise<boolean> {
    if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 10_000_000) return false;
    const expected = fromAdaptedBase64(checksum);
    const actual = Buffer.from(
      await this.pool.run({
        op: 'pbkdf2',
        args: [password, fromAdaptedBase64(salt).toString('base64'), rounds, expected.length],
      }),
      'base64',
    );
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}

/** bcrypt reads at most this many bytes of a password and ignores the rest. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/**
 * Hashes in the legacy format are replaced by bcrypt on the next successful login, except when
 * the password is longer than bcrypt reads (72 bytes of UTF-8): bcrypt would silently truncate it,
 * so that password keeps its pbkdf2 hash. Pass the password that was just verified.
 */
export function needsRehash(hash: string, password?: string): boolean {
  if (LEGACY_PBKDF2.test(hash)) {
    return (
      password === undefined || Buffer.byteLength(password, 'utf8') <= BCRYPT_MAX_PASSWORD_BYTES
    );
  }
  try {
    return bcrypt.getRounds(hash) < BCRYPT_COST;
  } catch {
    return true;
  }
}

/** passlib's "adapted base64": standard base64 with `.` for `+` and no padding. */
function fromAdaptedBase64(value: string): Buffer {
  return Buffer.from(value.replace(/\./g, '+'), 'base64');
}

/** For tests and tooling: a hash exactly as passlib's pbkdf2_sha256 writes it. */
export async function legacyPbkdf2Hash(
  password: string,
  salt: Buffer,
  rounds = 29_000,
): Promise<string> {
  const digest = await pbkdf2Async(password, salt, rounds, 32, 'sha256');
  const ab64 = (buffer: Buffer) => buffer.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
  return `$pbkdf2-sha256$${rounds}$${ab64(salt)}$${ab64(digest)}`;
}
