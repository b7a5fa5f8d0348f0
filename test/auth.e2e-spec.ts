import { createSecretKey, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { connect } from 'node:net';
import { legacyPbkdf2Hash } from '../src/users/password-hasher';
import { UsersService } from '../src/users/users.service';
import { TEST_REDIS_URL } from './support/databases';
import { createUser, loginAs, Session } from './support/factories';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './support/test-app';

/**
 * POST /auth/login from a chosen loopback address (127.0.0.x), so that a test can be a second
 * client IP. The app must be listening (see `listening`). Answers status, error code,
 * Retry-After and the elapsed ms.
 */
async function loginFrom(
  app: TestApp,
  from: string,
  body: { username: string; password: string },
): Promise<{ status: number; ms: number; code?: string; retryAfter?: string }> {
  const { port } = app.app.getHttpServer().address() as AddressInfo;
  const payload = JSON.stringify(body);
  const started = process.hrtime.bigint();
  const answer = await new Promise<{ status: number; code?: string; retryAfter?: string }>(
    (resolve, reject) => {
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
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => {
            const parsed = text ? (JSON.parse(text) as { code?: string }) : {};
            resolve({
              status: res.statusCode ?? 0,
              code: parsed.code,
              retryAfter: res.headers['retry-after'],
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    },
  );
  return { ...answer, ms: Number(process.hrtime.bigint() - started) / 1e6 };
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
        CLIPADOR_LOGIN_MAX_FAILURES_PER_USERNAME_ADDRESS: '3',
        CLIPADOR_LOGIN_MAX_FAILURES_PER_ADDRESS: '50',
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
    const refresh = (token: string) =>
      testApp.http().post('/auth/refresh').send({ refresh_token: token });
    /** As if every use of the user's refresh tokens had happened `seconds` ago. */
    const ageUses = (userId: number, seconds: number) =>
      testApp.dataSource.query(
        `UPDATE refresh_tokens SET used_at = now() - make_interval(secs => $2)
         WHERE user_id = $1 AND used_at IS NOT NULL`,
        [userId, seconds],
      );

    // Contract change (PRODUCT §6): a second use within 30 s is two tabs refreshing together and
    // gets a pair of the same session; a second use after that revokes the session.
    it('rotates a refresh token, and refuses it when used again after the grace, ending its session', async () => {
      const session = await loginAs(testApp, 'viewer');
      const response = await refresh(session.refreshToken).expect(200);
      expect(response.body.token_type).toBe('bearer');
      await testApp
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${response.body.access_token}`)
        .expect(200);
      await ageUses(session.user.id, 31);
      const reused = await refresh(session.refreshToken).expect(401);
      expect(reused.body.code).toBe('invalid_token');
      expect(reused.body.detail).toMatch(/already used/);
      // The token issued from the reused one is refused too: the whole family ended.
      await refresh(response.body.refresh_token).expect(401);
    });

    it('gives two tabs refreshing with the same token within 30 s each a working pair of the session', async () => {
      const session = await loginAs(testApp, 'viewer');
      const [tabA, tabB] = await Promise.all([
        refresh(session.refreshToken),
        refresh(session.refreshToken),
      ]);
      expect([tabA.status, tabB.status]).toEqual([200, 200]);
      expect(tabA.body.refresh_token).not.toBe(tabB.body.refresh_token);
      const sid = (token: string) => (jwt.decode(token) as { sid: string }).sid;
      expect(sid(tabA.body.access_token)).toBe(sid(session.accessToken));
      expect(sid(tabB.body.access_token)).toBe(sid(session.accessToken));
      // Each tab goes on on its own.
      await refresh(tabA.body.refresh_token).expect(200);
      await refresh(tabB.body.refresh_token).expect(200);
    });

    it('never extends a session: every refresh token of the family ends when the login does', async () => {
      const session = await loginAs(testApp, 'viewer');
      const exp = (token: string) => (jwt.decode(token) as { exp: number }).exp;
      const first = await refresh(session.refreshToken).expect(200);
      const second = await refresh(first.body.refresh_token).expect(200);
      expect(exp(first.body.refresh_token)).toBe(exp(session.refreshToken));
      expect(exp(second.body.refresh_token)).toBe(exp(session.refreshToken));
      const days = (exp(session.refreshToken) * 1000 - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(13.9);
      expect(days).toBeLessThanOrEqual(14);
      // Past its absolute end the session is over, whatever token of it is offered.
      await testApp.dataSource.query(
        `UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
        [session.user.id],
      );
      await refresh(second.body.refresh_token).expect(401);
    });

    it('refuses an access token offered as a refresh token', async () => {
      const session = await loginAs(testApp, 'viewer');
      const response = await refresh(session.accessToken).expect(401);
      expect(response.body.code).toBe('invalid_token');
    });

    // Contract change (PRODUCT §6): logout ends the caller's session only, not every session.
    it('ends only the session of the access token on logout', async () => {
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
      await refresh(session.refreshToken).expect(401);
      await refresh(second.body.refresh_token).expect(200);
    });

    it.each([
      ['no Content-Type', {}],
      ['Content-Type: application/json and no body', { 'Content-Type': 'application/json' }],
      ['Content-Type: text/plain and no body', { 'Content-Type': 'text/plain' }],
    ])("answers the dashboard's body-less logout POST with %s", async (_name, headers) => {
      await listening(testApp);
      const session = await loginAs(testApp, 'viewer');
      const { port } = testApp.app.getHttpServer().address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/auth/logout`, {
        method: 'POST',
        headers: { Authorization: session.bearer, ...headers },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
      await refresh(session.refreshToken).expect(401);
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
          CLIPADOR_LOGIN_MAX_FAILURES_PER_USERNAME_ADDRESS: '3',
          CLIPADOR_LOGIN_MAX_FAILURES_PER_ADDRESS: '5',
          CLIPADOR_LOGIN_DELAY_FREE_FAILURES: '2',
          CLIPADOR_LOGIN_DELAY_MAX_MS: '600',
        };
        replicaA = await startTestApp({ env });
        replicaB = await startTestApp({ env, databaseUrl: replicaA.databaseUrl });
        await Promise.all([listening(replicaA), listening(replicaB)]);
      });

      afterAll(async () => {
        await replicaB?.close();
        await replicaA?.close();
      });

      // Contract change (PRODUCT §6): failures for a username from other addresses slow the
      // owner's login down, they never lock the owner out.
      it("never locks the owner out from another address: failures on any replica only delay the owner's login", async () => {
        const user = await createUser(replicaA);
        const wrong = { username: user.username, password: 'wrong-password' };
        expect((await loginFrom(replicaA, '127.0.0.41', wrong)).status).toBe(401);
        expect((await loginFrom(replicaB, '127.0.0.42', wrong)).status).toBe(401);
        expect((await loginFrom(replicaA, '127.0.0.43', wrong)).status).toBe(401);

        // The right password, from an address with no failures, on the other replica: let in,
        // after the username's delay (3 failures, 2 free: 500 ms).
        const right = { username: user.username, password: user.password };
        const owner = await loginFrom(replicaB, '127.0.0.44', right);
        expect(owner.status).toBe(200);
        expect(owner.ms).toBeGreaterThanOrEqual(450);

        // The attacker's own address runs out of tries for this username; the owner does not.
        for (let i = 0; i < 5; i++) await loginFrom(replicaA, '127.0.0.45', wrong);
        expect((await loginFrom(replicaB, '127.0.0.45', wrong)).status).toBe(429);
        const answer = await loginFrom(replicaA, '127.0.0.45', right);
        expect(answer.status).toBe(429);
        expect((await loginFrom(replicaA, '127.0.0.46', right)).status).toBe(200);
      });

      it('counts parallel attempts atomically before the check: 30 at once reach the password check 3 times', async () => {
        const user = await createUser(replicaA);
        const wrong = { username: user.username, password: 'wrong-password' };
        const statuses = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            loginFrom(i % 2 ? replicaB : replicaA, '127.0.0.47', wrong).then((r) => r.status),
          ),
        );
        expect(statuses.filter((status) => status === 401)).toHaveLength(3);
        expect(statuses.filter((status) => status === 429)).toHaveLength(27);
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

  describe('POST /auth/password and UsersService.setPassword', () => {
    const refresh = (token: string) =>
      testApp.http().post('/auth/refresh').send({ refresh_token: token });
    const me = (bearer: string) => testApp.http().get('/auth/me').set('Authorization', bearer);

    it('sets the new password, ends every session and its access tokens, and gives the caller a new session', async () => {
      const session = await loginAs(testApp, 'viewer');
      const other = await testApp
        .http()
        .post('/auth/login')
        .send({ username: session.user.username, password: session.user.password })
        .expect(200);
      const answer = await testApp
        .http()
        .post('/auth/password')
        .set('Authorization', session.bearer)
        .send({ current_password: session.user.password, new_password: 'a-brand-new-password' })
        .expect(200);
      expect(answer.headers['cache-control']).toBe('no-store');
      for (const token of [session.refreshToken, other.body.refresh_token]) {
        await refresh(token).expect(401);
      }
      const stale = await me(session.bearer).expect(401);
      expect(stale.body.detail).toMatch(/password change/);
      await me(`Bearer ${other.body.access_token}`).expect(401);
      await me(`Bearer ${answer.body.access_token}`).expect(200);
      await refresh(answer.body.refresh_token).expect(200);
      await testApp
        .http()
        .post('/auth/login')
        .send({ username: session.user.username, password: session.user.password })
        .expect(401);
      await testApp
        .http()
        .post('/auth/login')
        .send({ username: session.user.username, password: 'a-brand-new-password' })
        .expect(200);
    });

    it.each([
      [
        'a wrong current password',
        { current_password: 'not-the-password', new_password: 'another-good-one' },
        403,
        'incorrect_password',
      ],
      ['a new password under 8 characters', { new_password: 'short' }, 400, 'password_too_short'],
      ['a new password over 72 bytes', { new_password: 'é'.repeat(37) }, 400, 'password_too_long'],
      [
        'an unknown field',
        { new_password: 'another-good-one', role: 'admin' },
        400,
        'validation_failed',
      ],
    ])('refuses %s and changes nothing', async (_name, change, status, code) => {
      const session = await loginAs(testApp, 'viewer');
      const response = await testApp
        .http()
        .post('/auth/password')
        .set('Authorization', session.bearer)
        .send({ current_password: session.user.password, ...change })
        .expect(status);
      expect(response.body.code).toBe(code);
      await me(session.bearer).expect(200);
      await refresh(session.refreshToken).expect(200);
    });

    it('needs a token', async () => {
      await testApp
        .http()
        .post('/auth/password')
        .send({ current_password: 'x', new_password: 'another-good-one' })
        .expect(401);
    });

    it('ends every session when the password is set elsewhere (admin reset, CLI)', async () => {
      const session = await loginAs(testApp, 'admin');
      await testApp.app.get(UsersService).setPassword(session.user.id, 'reset-by-an-admin');
      await me(session.bearer).expect(401);
      await refresh(session.refreshToken).expect(401);
      const [row] = await testApp.dataSource.query(
        'SELECT count(*)::int AS live FROM auth_sessions WHERE user_id = $1 AND revoked_at IS NULL',
        [session.user.id],
      );
      expect(row.live).toBe(0);
      // The CLI's create-user on an existing user goes the same way.
      const again = await loginAs(testApp, 'viewer');
      await testApp.app
        .get(UsersService)
        .createOrUpdate(again.user.username, 'set-by-the-cli-now', 'viewer');
      await me(again.bearer).expect(401);
      await expect(
        testApp.app.get(UsersService).setPassword(again.user.id, 'x'.repeat(73)),
      ).rejects.toMatchObject({ code: 'password_too_long' });
    });
  });

  describe('a burst of wrong logins', () => {
    let burstApp: TestApp;

    beforeAll(async () => {
      burstApp = await startTestApp({
        env: { CLIPADOR_PASSWORD_WORKERS: '1', CLIPADOR_PASSWORD_QUEUE: '4' },
      });
      await listening(burstApp);
    });

    afterAll(async () => {
      await burstApp?.close();
    });

    it('sheds what the password pool cannot take with 429 login_busy and Retry-After, and authenticated reads keep being answered', async () => {
      const session = await loginAs(burstApp, 'viewer');
      const { port } = burstApp.app.getHttpServer().address() as AddressInfo;
      let reading = true;
      const reads: number[] = [];
      const poll = (async () => {
        while (reading) {
          const response = await fetch(`http://127.0.0.1:${port}/auth/me`, {
            headers: { Authorization: session.bearer },
          });
          await response.arrayBuffer();
          reads.push(response.status);
        }
      })();
      const busy: Array<string | undefined> = [];
      const statuses = await Promise.all(
        Array.from({ length: 80 }, async (_, i) => {
          const from = `127.0.0.${101 + (i % 8)}`;
          const body = { username: `burst_${i}_${process.pid}`, password: 'wrong-password' };
          const response = await loginFrom(burstApp, from, body);
          if (response.code === 'login_busy') busy.push(response.retryAfter);
          return response.status;
        }),
      );
      reading = false;
      await poll;
      expect(statuses.filter((status) => status >= 500)).toEqual([]);
      expect(new Set(statuses)).toEqual(new Set([401, 429]));
      expect(busy.length).toBeGreaterThan(0);
      for (const retryAfter of busy) expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(reads.length).toBeGreaterThan(5);
      expect(reads.every((status) => status === 200)).toBe(true);
    }, 60_000);
  });

  describe('throttling without its store', () => {
    it('answers 503 login_unavailable when Redis is configured but unreachable, never counting nowhere', async () => {
      const lonely = await startTestApp({ env: { CLIPADOR_REDIS_URL: 'redis://127.0.0.1:1' } });
      try {
        const user = await createUser(lonely);
        const response = await lonely
          .http()
          .post('/auth/login')
          .send({ username: user.username, password: user.password })
          .expect(503);
        expect(response.body.code).toBe('login_unavailable');
      } finally {
        await lonely.close();
      }
    });
  });

  describe('the client address behind a proxy', () => {
    const attempt = (app: TestApp, forwardedFor: string, username: string) =>
      app
        .http()
        .post('/auth/login')
        .set('X-Forwarded-For', forwardedFor)
        .send({ username, password: 'wrong-password' });

    it('ignores X-Forwarded-For by default: every client of the socket counts as one', async () => {
      const user = await createUser(testApp);
      for (const forwarded of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
        await attempt(testApp, forwarded, user.username).expect(401);
      }
      await attempt(testApp, '203.0.113.4', user.username).expect(429);
    });

    it('follows X-Forwarded-For through CLIPADOR_TRUST_PROXY hops, counting IPv6 clients by /64', async () => {
      const proxied = await startTestApp({
        env: {
          CLIPADOR_TRUST_PROXY: '1',
          CLIPADOR_LOGIN_MAX_FAILURES_PER_USERNAME_ADDRESS: '2',
        },
      });
      try {
        const user = await createUser(proxied);
        await attempt(proxied, '2001:db8:7:7::1', user.username).expect(401);
        await attempt(proxied, '2001:db8:7:7::2', user.username).expect(401);
        // Same /64: the third try of that client is refused; another client is not.
        await attempt(proxied, '2001:db8:7:7:ffff::3', user.username).expect(429);
        await attempt(proxied, '2001:db8:7:8::1', user.username).expect(401);
        await attempt(proxied, '203.0.113.9', user.username).expect(401);
      } finally {
        await proxied.close();
      }
    });
  });

  describe('HTTP limits', () => {
    it('marks token answers and authenticated JSON no-store', async () => {
      const user = await createUser(testApp, { role: 'viewer' });
      const login = await testApp
        .http()
        .post('/auth/login')
        .send({ username: user.username, password: user.password })
        .expect(200);
      expect(login.headers['cache-control']).toBe('no-store');
      const me = await testApp
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${login.body.access_token}`)
        .expect(200);
      expect(me.headers['cache-control']).toBe('no-store');
    });

    it('cuts a request that trickles its body, and serves /docs only when CLIPADOR_DOCS allows', async () => {
      const slow = await startTestApp({
        env: { CLIPADOR_HTTP_REQUEST_TIMEOUT_MS: '1500', CLIPADOR_DOCS: 'false' },
      });
      try {
        await listening(slow);
        const { port } = slow.app.getHttpServer().address() as AddressInfo;
        const started = Date.now();
        const outcome = await new Promise<string>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write(
              'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{',
            );
            const drip = setInterval(() => socket.write(' '), 200);
            let answer = '';
            socket.on('data', (chunk) => (answer += chunk.toString()));
            socket.on('close', () => {
              clearInterval(drip);
              resolve(answer.split('\r\n')[0] || 'closed');
            });
            socket.on('error', () => undefined);
          });
        });
        const elapsed = Date.now() - started;
        expect(outcome).toMatch(/^(HTTP\/1\.1 408|closed)/);
        expect(elapsed).toBeLessThan(5_000);
        await slow.http().get('/docs').expect(404);
        await testApp.http().get('/docs').expect(200);
      } finally {
        await slow.close();
      }
    });
  });
});
