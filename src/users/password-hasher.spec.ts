import bcrypt from 'bcryptjs';
import {
  BCRYPT_COST,
  hashPassword,
  legacyPbkdf2Hash,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from './password-hasher';

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
