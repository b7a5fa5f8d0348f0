import bcrypt from 'bcryptjs';
import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/configuration';
import { BCRYPT_COST, legacyPbkdf2Hash, needsRehash, PasswordHasher } from './password-hasher';
import { PasswordPoolBusyError, PasswordWorkerPool } from './password-pool';

const hasher = new PasswordHasher({
  get: () => ({ passwordWorkers: 1, passwordQueue: 8 }),
} as unknown as ConfigService<AppConfig, true>);
const hashPassword = (password: string) => hasher.hash(password);
const verifyPassword = (password: string, hash: string) => hasher.verify(password, hash);
const verifyAgainstDummy = (password: string) => hasher.verifyAgainstDummy(password);

afterAll(() => hasher.onModuleDestroy());

// Hashes written by passlib's pbkdf2_sha256 itself (from its documentation and a published
// session), so compatibility is checked against the real format, not our own encoder.
const PASSLIB_TOOMANYSECRETS =
  '$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A.WF/Z5JZv.lfCIhXXN33N23OSgQYThBYRfk';
const PASSLIB_PASSWORD_6400 =
  '$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M';

describe('password hashing', () => {
  it('hashes with bcrypt at a cost of at least 10', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$2[aby]\$\d\d\$/);
    expect(bcrypt.getRounds(hash)).toBeGreaterThanOrEqual(10);
    expect(bcrypt.getRounds(hash)).toBe(BCRYPT_COST);
  });

  it('verifies a bcrypt hash and rejects a wrong password', async () => {
    const hash = await hashPassword('correct horse battery');
    await expect(verifyPassword('correct horse battery', hash)).resolves.toBe(true);
    await expect(verifyPassword('wrong horse battery', hash)).resolves.toBe(false);
  });

  it('verifies hashes written by passlib pbkdf2_sha256', async () => {
    await expect(verifyPassword('toomanysecrets', PASSLIB_TOOMANYSECRETS)).resolves.toBe(true);
    await expect(verifyPassword('joshua', PASSLIB_TOOMANYSECRETS)).resolves.toBe(false);
    await expect(verifyPassword('password', PASSLIB_PASSWORD_6400)).resolves.toBe(true);
    await expect(verifyPassword('Password', PASSLIB_PASSWORD_6400)).resolves.toBe(false);
  });

  it('writes legacy hashes that passlib-format verification accepts', async () => {
    const hash = await legacyPbkdf2Hash('s3cret', Buffer.from('salt-salt-salt!!'), 1000);
    expect(hash).toMatch(/^\$pbkdf2-sha256\$1000\$[./A-Za-z0-9]+\$[./A-Za-z0-9]+$/);
    await expect(verifyPassword('s3cret', hash)).resolves.toBe(true);
  });

  it('rejects malformed and unknown hash formats', async () => {
    for (const hash of [
      '',
      'plaintext',
      '$pbkdf2-sha256$abc$salt$hash',
      '$md5$x$y',
      '$pbkdf2-sha256$0$c2FsdA$aGFzaA',
    ]) {
      await expect(verifyPassword('anything', hash)).resolves.toBe(false);
    }
  });

  it('asks for a rehash of legacy and weak hashes only', async () => {
    expect(needsRehash(PASSLIB_TOOMANYSECRETS)).toBe(true);
    expect(needsRehash(bcrypt.hashSync('x', 4))).toBe(true);
    expect(needsRehash(await hashPassword('x'))).toBe(false);
  });

  it('keeps a legacy hash whose password is longer than the 72 bytes bcrypt reads', () => {
    expect(needsRehash(PASSLIB_TOOMANYSECRETS, 'a'.repeat(72))).toBe(true);
    expect(needsRehash(PASSLIB_TOOMANYSECRETS, 'a'.repeat(73))).toBe(false);
    // 37 × "é" is 74 bytes of UTF-8 in 37 characters: bytes count, not characters.
    expect(needsRehash(PASSLIB_TOOMANYSECRETS, 'é'.repeat(37))).toBe(false);
    expect(needsRehash(PASSLIB_TOOMANYSECRETS, 'é'.repeat(36))).toBe(true);
  });

  it('spends about one bcrypt comparison on the dummy hash and always fails', async () => {
    const hash = await hashPassword('some password');
    const time = async (work: () => Promise<unknown>) => {
      const start = process.hrtime.bigint();
      await work();
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    await verifyAgainstDummy('warm-up');
    // The fastest of alternated samples: one sample each is at the mercy of whatever else the
    // machine runs at that moment (the fault tests run service processes beside this), and
    // load only ever adds time.
    const dummy: number[] = [];
    const real: number[] = [];
    for (let i = 0; i < 5; i++) {
      dummy.push(await time(() => verifyAgainstDummy('some password')));
      real.push(await time(() => verifyPassword('wrong password', hash)));
    }
    await expect(verifyAgainstDummy('some password')).resolves.toBe(false);
    expect(Math.min(...dummy) / Math.min(...real)).toBeGreaterThan(0.5);
    expect(Math.min(...dummy) / Math.min(...real)).toBeLessThan(2);
  }, 30_000); // ten bcrypt comparisons take seconds on a loaded 2-core machine
});

describe('the password worker pool', () => {
  it('runs bcrypt off the event loop: timers keep firing during a hash', async () => {
    const pool = new PasswordWorkerPool(1, 4);
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const started = Date.now();
      await pool.run({ op: 'hash', args: ['password', 12] });
      clearInterval(timer);
      const elapsed = Date.now() - started;
      // On the event loop the hash would block every tick until it finished.
      expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 5 / 4));
      expect(ticks).toBeGreaterThan(3);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('queues up to its bound and sheds the rest with a Retry-After, never a pile-up', async () => {
    const pool = new PasswordWorkerPool(1, 2);
    try {
      const hash = bcrypt.hashSync('x', 4);
      const accepted = [1, 2, 3].map(() => pool.run({ op: 'compare', args: ['x', hash] }));
      const shed = pool.run({ op: 'compare', args: ['x', hash] });
      await expect(shed).rejects.toBeInstanceOf(PasswordPoolBusyError);
      await expect(shed).rejects.toMatchObject({ code: 'login_busy', kind: 'rate_limited' });
      const error = (await shed.catch((e: unknown) => e)) as PasswordPoolBusyError;
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      await expect(Promise.all(accepted)).resolves.toEqual([true, true, true]);
      expect(pool.load).toEqual({ running: 0, queued: 0 });
    } finally {
      await pool.close();
    }
  }, 30_000);
});
