import { createSecretKey, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { legacyPbkdf2Hash } from '../src/users/password-hasher';
import { TEST_REDIS_URL } from './support/databases';
import { createUser, loginAs, Session } from './support/factories';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './support/test-app';

/**
 * POST /auth/login from a chosen loopback address (127.0.0.x), so that a test can be a second
 * client IP. The app must be listening (see `listening`). Returns status and elapsed ms.
 */
async function loginFrom(
  app: TestApp,
  from: string,
  body: { username: string; password: string },
): Promise<{ status: number; ms: number }> {
  const { port } = app.app.getHttpServer().address() as AddressInfo;
  const payload = JSON.stringify(body);
  const started = process.hrtime.bigint();
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        method: 'POST',
        path: '/auth/login',
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
        },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
  return { status, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

async function listening(app: TestApp): Promise<void> {
  if (!app.app.getHttpServer().listening) await app.app.listen(0, '127.0.0.1');
}

/**
 * The fastest of repeated samples: the closest reading of the work's own cost, since load from
 * the rest of the suite (the fault tests run service processes beside this) only ever adds time.
 */
function fastest(values: number[]): number {
  return Math.min(...values);
}

describe('auth', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      env: {
        CLIPADOR_LOGIN_MAX_FAILURES_PER_USERNAME: '3',
        CLIPADOR_LOGIN_MAX_FAILURES_PER_IP: '50',
      },
    });
  });

  afterAll(async () => {
    await testApp.close();
  });

  const key = createSecretKey(Buffer.from(TEST_JWT_SECRET));

  describe('POST /auth/login', () => {
    it('returns an access and a refresh token for correct credentials', async () => {
      const user = await createUser(testApp);
      const response = await testApp
        .http()
        .post('/auth/login')
        .send({ username: user.username, password: user.password })
        .expect(200);
      expect(response.body).toEqual({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        token_type: 'bearer',
      });
    });

    it.each([[{ username: '', password: 'x' }], [{ username: 'someone', password: '' }], [{}]])(
      'answers 400 "Credenciais inválidas" for an empty field (%j)',
      async (body) => {
        const response = await testApp.http().post('/auth/login').send(body).expect(400);
        expect(response.body).toEqual({
          statusCode: 400,
          code: 'invalid_credentials',
          detail: 'Credenciais inválidas',
        });
      },
    );

    it('answers 401 "Credenciais incorretas" for a wrong password', async () => {
      const user = await createUser(testApp);
      const response = await testApp
        .http()
        .post('/auth/login')
        .send({ username: user.username, password: 'wrong-password' })
        .expect(401);
      expect(response.body).toEqual({
        statusCode: 401,
        code: 'incorrect_credentials',
        detail: 'Credenciais incorretas',
      });
    });

    it('answers 401 the same way for an unknown user', async () => {
      const response = await testApp
        .http()
        .post('/auth/login')
        .send({ username: 'nobody-here', password: 'whatever-password' })
        .expect(401);
      expect(response.body.detail).toBe('Credenciais incorretas');
    });

    it('rejects unknown fields and wrong types with 400 naming the field', async () => {
      const unknown = await testApp
        .http()
        .post('/auth/login')
        .send({ username: 'a', password: 'b', admin: true })
        .expect(400);
      expect(unknown.body.code).toBe('validation_failed');
      expect(unknown.body.detail).toContain('admin');

      const wrongType = await testApp
        .http()
        .post('/auth/login')
        .send({ username: 42, password: 'b' })
        .expect(400);
      expect(wrongType.body.detail).toContain('username');
    });

    it('throttles a username after repeated failures with 429, even with the right password', async () => {
      const user = await createUser(testApp);
      for (let i = 0; i < 3; i++) {
        await testApp
          .http()
          .post('/auth/login')
          .send({ username: user.username, password: 'wrong-password' })
          .expect(401);
      }
      const response = await testApp
        .http()
        .post('/auth/login')
        .send({ username: user.username, password: user.password })
        .expect(429);
      expect(response.body.code).toBe('too_many_login_attempts');
    });

    it('logs in a user with a legacy passlib pbkdf2_sha256 hash and replaces it with bcrypt', async () => {
      const user = await createUser(testApp);
      const legacy = await legacyPbkdf2Hash('legacy-password', Buffer.from('0123456789abcdef'));
      await testApp.dataSource.query('UPDATE users SET hashed_password = $1 WHERE id = $2', [
        legacy,
        user.id,
      ]);
      await testApp
        .http()
        .post('/auth/login')
        .send({ username: user.username, password: 'legacy-password' })
        .expect(200);
      const [row] = await testApp.dataSource.query(
        'SELECT hashed_password FROM users WHERE id = $1',
        [user.id],
      );
      expect(row.hashed_password).toMatch(/^\$2[aby]\$1\d\$/);
      await testApp
        .http()
        .post('/auth/login')
        .send({ username: user.username, password: 'legacy-password' })
        .expect(200);
    });
  });

  describe('GET /auth/me and the guard', () => {
    let session: Session;

    beforeAll(async () => {
      session = await loginAs(testApp, 'viewer');
    });

    it('answers the caller', async () => {
      const response = await testApp
        .http()
        .get('/auth/me')
        .set('Authorization', session.bearer)
        .expect(200);
      expect(response.body).toEqual({ username: session.user.username, role: 'viewer' });
    });

    it.each([
      ['no header', undefined],
      ['not a bearer', 'Basic abc'],
      ['garbage', 'Bearer not.a.jwt'],
    ])('answers 401 with %s', async (_name, header) => {
      const request = testApp.http().get('/auth/me');
      if (header) void request.set('Authorization', header);
      const response = await request.expect(401);
      expect(response.body.code).toBe('invalid_token');
    });

    it('refuses a refresh token used as an access token', async () => {
      await testApp
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${session.refreshToken}`)
        .expect(401);
    });

    it('refuses alg none, another secret, no exp, and expired tokens', async () => {
      const claims = {
        sub: String(session.user.id),
        username: session.user.username,
        role: 'admin',
        type: 'access',
      };
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
        JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 60 }),
      ).toString('base64url')}.`;
      const otherSecret = jwt.sign(claims, 'another-secret-that-is-long-enough-too', {
        algorithm: 'HS256',
        expiresIn: 60,
      });
      const noExp = jwt.sign(claims, key, { algorithm: 'HS256' });
      const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, key, {
        algorithm: 'HS256',
      });
      for (const token of [none, otherSecret, noExp, expired]) {
        await testApp.http().get('/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
      }
    });

    it("refuses a deleted user's still-valid token", async () => {
      const doomed = await loginAs(testApp, 'admin');
      await testApp.dataSource.query('DELETE FROM users WHERE id = $1', [doomed.user.id]);
      await testApp.http().get('/auth/me').set('Authorization', doomed.bearer).expect(401);
    });
  });

  describe('POST /auth/refresh and /auth/logout', () => {
    it('exchanges a refresh token once (rotation) and refuses it the second time', async () => {
      const session = await loginAs(testApp, 'viewer');
      const response = await testApp
        .http()
        .post('/auth/refresh')
        .send({ refresh_token: session.refreshToken })
        .expect(200);
      expect(response.body.token_type).toBe('bearer');
      await testApp
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${response.body.access_token}`)
        .expect(200);
      await testApp
        .http()
        .post('/auth/refresh')
        .send({ refresh_token: session.refreshToken })
        .expect(401);
    });

    it('refuses an access token offered as a refresh token', async () => {
      const session = await loginAs(testApp, 'viewer');
      const response = await testApp
        .http()
        .post('/auth/refresh')
        .send({ refresh_token: session.accessToken })
        .expect(401);
      expect(response.body.code).toBe('invalid_token');
    });

    it('revokes every refresh token of the caller on logout', async () => {
      const session = await loginAs(testApp, 'viewer');
      const second = await testApp
        .http()
        .post('/auth/login')
        .send({ username: session.user.username, password: session.user.password })
        .expect(200);
      await testApp
        .http()
        .post('/auth/logout')
        .set('Authorization', session.bearer)
        .expect(200, { status: 'ok' });
      for (const token of [session.refreshToken, second.body.refresh_token]) {
        await testApp.http().post('/auth/refresh').send({ refresh_token: token }).expect(401);
      }
    });

    it('needs a token to log out', async () => {
      await testApp.http().post('/auth/logout').expect(401);
    });
  });

  describe('login protection', () => {
    it('takes as long for an unknown user as for a wrong password (no user enumeration by timing)', async () => {
      await listening(testApp);
      // A client address of its own: the failures below do not count against other tests.
      const from = '127.0.0.31';
      const users = await Promise.all([1, 2, 3, 4].map(() => createUser(testApp)));
      const wrong = (i: number) => ({
        username: users[i % 4].username,
        password: 'wrong-password',
      });
      const unknown = (i: number) => ({
        username: `nobody_${i}_${process.pid}`,
        password: 'wrong-password',
      });
      // Warm-up: the first comparison of each kind pays for code loading, not for the hash.
      await loginFrom(testApp, from, unknown(99));
      await loginFrom(testApp, from, wrong(99));
      const times = { unknown: [] as number[], wrong: [] as number[] };
      // Alternated, so that load on the machine weighs on both kinds alike. Two failures per
      // user stay under the per-username limit of this app (3).
      for (let i = 0; i < 8; i++) {
        const [first, second] =
          i % 2 ? (['unknown', 'wrong'] as const) : (['wrong', 'unknown'] as const);
        for (const kind of [first, second]) {
          const { status, ms } = await loginFrom(
            testApp,
            from,
            kind === 'wrong' ? wrong(i) : unknown(i),
          );
          expect(status).toBe(401);
          times[kind].push(ms);
        }
      }
      const ratio = fastest(times.unknown) / fastest(times.wrong);
      expect(ratio).toBeGreaterThan(0.67);
      expect(ratio).toBeLessThan(1.5);
    });

    describe('throttling, shared by two API replicas through Redis', () => {
      let replicaA: TestApp;
      let replicaB: TestApp;

      beforeAll(async () => {
        const env = {
          CLIPADOR_REDIS_URL: TEST_REDIS_URL,
          CLIPADOR_REDIS_PREFIX: `clipador-test-throttle-${randomBytes(4).toString('hex')}`,
          CLIPADOR_LOGIN_MAX_FAILURES_PER_USERNAME: '3',
          CLIPADOR_LOGIN_MAX_FAILURES_PER_IP: '5',
        };
        replicaA = await startTestApp({ env });
        replicaB = await startTestApp({ env, databaseUrl: replicaA.databaseUrl });
        await Promise.all([listening(replicaA), listening(replicaB)]);
      });

      afterAll(async () => {
        await replicaB?.close();
        await replicaA?.close();
      });

      it('answers 429 for a username after repeated failures on any replica, to every address', async () => {
        const user = await createUser(replicaA);
        const wrong = { username: user.username, password: 'wrong-password' };
        expect((await loginFrom(replicaA, '127.0.0.41', wrong)).status).toBe(401);
        expect((await loginFrom(replicaB, '127.0.0.42', wrong)).status).toBe(401);
        expect((await loginFrom(replicaA, '127.0.0.43', wrong)).status).toBe(401);

        // The right password, from an address with no failures, on the other replica: refused.
        const right = { username: user.username, password: user.password };
        expect((await loginFrom(replicaB, '127.0.0.44', right)).status).toBe(429);
        const answer = await replicaB.http().post('/auth/login').send(right).expect(429);
        expect(answer.body).toEqual({
          statusCode: 429,
          code: 'too_many_login_attempts',
          detail: 'Too many failed login attempts; try again later',
        });
      });

      it('answers 429 for an address after repeated failures across usernames, and lets other addresses in', async () => {
        const user = await createUser(replicaA);
        const from = '127.0.0.51';
        for (let i = 0; i < 5; i++) {
          const replica = i % 2 ? replicaB : replicaA;
          const spray = { username: `sprayed_${i}_${process.pid}`, password: 'guess' };
          expect((await loginFrom(replica, from, spray)).status).toBe(401);
        }
        const right = { username: user.username, password: user.password };
        expect((await loginFrom(replicaA, from, right)).status).toBe(429);
        expect((await loginFrom(replicaB, from, right)).status).toBe(429);
        expect((await loginFrom(replicaB, '127.0.0.52', right)).status).toBe(200);
      });
    });
  });
});
