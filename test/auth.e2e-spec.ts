import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { legacyPbkdf2Hash } from '../src/users/password-hasher';
import { createUser, loginAs, Session } from './support/factories';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './support/test-app';

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
});
