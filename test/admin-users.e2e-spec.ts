import { createUser, loginAs, Session } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const TOKEN = 'kirvano-admin-e2e-token-0123456789';
let sequence = 0;
const unique = (prefix: string) => `${prefix}${++sequence}_${process.pid}`;

describe('admin users', () => {
  let testApp: TestApp;
  let admin: Session;
  let viewer: Session;

  beforeAll(async () => {
    testApp = await startTestApp({ env: { CLIPADOR_KIRVANO_TOKEN: TOKEN } });
    admin = await loginAs(testApp, 'admin');
    viewer = await loginAs(testApp, 'viewer');
  });

  afterAll(async () => {
    await testApp.close();
  });

  const as = (session: Session | null) => ({
    get: (path: string) => {
      const call = testApp.http().get(path);
      return session ? call.set('Authorization', session.bearer) : call;
    },
    patch: (path: string, body: unknown) => {
      const call = testApp.http().patch(path);
      return (session ? call.set('Authorization', session.bearer) : call).send(body as object);
    },
    post: (path: string, body: unknown) => {
      const call = testApp.http().post(path);
      return (session ? call.set('Authorization', session.bearer) : call).send(body as object);
    },
  });

  const login = (username: string, password: string) =>
    testApp.http().post('/auth/login').send({ username, password });

  it('documents the routes of this work in /docs', async () => {
    const document = await testApp.http().get('/docs-json').expect(200);
    const paths = document.body.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/admin/users']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/admin/users/{id}'])).toEqual(['patch']);
    expect(Object.keys(paths['/admin/users/{id}/password'])).toEqual(['post']);
    expect(Object.keys(paths['/public/clips'])).toEqual(['get']);
    expect(Object.keys(paths['/webhooks/kirvano'])).toEqual(['post']);
    expect(document.body.components.schemas.PublicClipDto.properties).toHaveProperty(
      'streamer_external_id',
    );
  });

  describe('who may call', () => {
    it.each([
      ['GET', '/admin/users'],
      ['PATCH', '/admin/users/1'],
      ['POST', '/admin/users'],
      ['POST', '/admin/users/1/password'],
    ])('%s %s: 401 without a token, 403 for a viewer', async (method, path) => {
      const call = (session: Session | null) =>
        method === 'GET'
          ? as(session).get(path)
          : method === 'PATCH'
            ? as(session).patch(path, { plan: 'x' })
            : as(session).post(path, {
                username: unique('u'),
                password: 'long-enough-password',
                new_password: 'long-enough-password',
              });
      expect((await call(null)).status).toBe(401);
      const refused = await call(viewer);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ statusCode: 403, code: 'forbidden' });
    });
  });

  describe('GET /admin/users', () => {
    it('pages users by id with their plan, status and slots', async () => {
      const a = await createUser(testApp, { role: 'viewer' });
      await testApp.dataSource.query(
        `UPDATE users SET email = 'paged@example.com', plan = 'Mensal Plus', slots_base = 8,
           plan_expires_at = '2030-01-02T03:04:05.678Z' WHERE id = $1`,
        [a.id],
      );
      await testApp.dataSource.query(
        `INSERT INTO user_channel_configs (user_id, slots_configured) VALUES ($1, 12)`,
        [a.id],
      );
      const all = await as(admin).get('/admin/users?limit=200').expect(200);
      const ids = (all.body.data as Array<{ id: number }>).map((user) => user.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(all.body.next_after).toBeNull();
      expect(all.body.data.find((user: { id: number }) => user.id === a.id)).toEqual({
        id: a.id,
        username: a.username,
        role: 'viewer',
        email: 'paged@example.com',
        plan: 'Mensal Plus',
        plan_expires_at: '2030-01-02T03:04:05.678Z',
        status: 'active',
        slots: 12,
        slots_base: 8,
        slots_configured: 12,
      });

      const first = await as(admin).get('/admin/users?limit=1').expect(200);
      expect(first.body.data).toHaveLength(1);
      expect(first.body.next_after).toBe(ids[0]);
      const second = await as(admin).get(`/admin/users?limit=1&after=${ids[0]}`).expect(200);
      expect(second.body.data[0].id).toBe(ids[1]);
    });

    it.each([['limit=0'], ['limit=201'], ['limit=x'], ['after=-1'], ['after=1.5'], ['page=2']])(
      'refuses %s with 400 naming the field',
      async (query) => {
        const response = await as(admin).get(`/admin/users?${query}`).expect(400);
        expect(response.body.code).toBe('validation_failed');
        expect(response.body.errors[0].field).toBe(query.split('=')[0]);
      },
    );
  });

  describe('PATCH /admin/users/{id}', () => {
    it('changes role, e-mail (lower-cased), plan with its base slots, expiry, status and slots', async () => {
      const user = await createUser(testApp, { role: 'viewer' });
      const response = await as(admin)
        .patch(`/admin/users/${user.id}`, {
          role: 'admin',
          email: ' Someone@Example.COM ',
          plan: 'Anual Pro',
          plan_expires_at: '2031-05-06T07:08:09Z',
          status: 'trial',
          slots_configured: 20,
        })
        .expect(200);
      expect(response.body).toEqual({
        id: user.id,
        username: user.username,
        role: 'admin',
        email: 'someone@example.com',
        plan: 'Anual Pro',
        plan_expires_at: '2031-05-06T07:08:09.000Z',
        status: 'trial',
        slots: 20,
        slots_base: 15,
        slots_configured: 20,
      });
      // The role change applies to the user's very next request.
      const session = await login(user.username, user.password).expect(200);
      await testApp
        .http()
        .get('/admin/users')
        .set('Authorization', `Bearer ${session.body.access_token}`)
        .expect(200);

      const cleared = await as(admin)
        .patch(`/admin/users/${user.id}`, {
          email: null,
          plan_expires_at: null,
          slots_configured: null,
        })
        .expect(200);
      expect(cleared.body).toMatchObject({
        email: null,
        plan_expires_at: null,
        slots_configured: null,
        slots: 15,
        plan: 'Anual Pro',
      });
    });

    it('answers 409 when another user has the e-mail, whatever its case, and changes nothing', async () => {
      const owner = await createUser(testApp, { role: 'viewer' });
      const other = await createUser(testApp, { role: 'viewer' });
      await as(admin).patch(`/admin/users/${owner.id}`, { email: 'taken@example.com' }).expect(200);
      const response = await as(admin)
        .patch(`/admin/users/${other.id}`, { email: 'TAKEN@example.com', plan: 'Super' })
        .expect(409);
      expect(response.body).toEqual({
        statusCode: 409,
        code: 'email_taken',
        detail: 'Another user already has this e-mail',
      });
      const [row] = await testApp.dataSource.query(`SELECT email, plan FROM users WHERE id = $1`, [
        other.id,
      ]);
      expect(row).toEqual({ email: null, plan: 'free' });
    });

    it('applies the purchases made with an e-mail before any user had it', async () => {
      const email = `${unique('pending')}@example.com`;
      const saleId = unique('SALE');
      await testApp
        .http()
        .post('/webhooks/kirvano')
        .set('Security-Token', TOKEN)
        .send({
          event: 'SALE_APPROVED',
          sale_id: saleId,
          customer: { id: 'c9', email },
          products: [{ offer_name: 'Mensal Plus' }],
        })
        .expect(200);
      const user = await createUser(testApp, { role: 'viewer' });
      const response = await as(admin)
        .patch(`/admin/users/${user.id}`, { email: email.toUpperCase() })
        .expect(200);
      expect(response.body).toMatchObject({ email, plan: 'Mensal Plus', slots_base: 8, slots: 8 });
      const days = (Date.parse(response.body.plan_expires_at) - Date.now()) / 86_400_000;
      expect(days).toBeCloseTo(31, 1);
      // Setting the same e-mail again applies nothing twice.
      const again = await as(admin).patch(`/admin/users/${user.id}`, { email }).expect(200);
      expect(again.body.plan_expires_at).toBe(response.body.plan_expires_at);
    });

    it('answers 404 for an unknown user and 400 for a bad id', async () => {
      const missing = await as(admin).patch('/admin/users/2147483647', { plan: 'x' }).expect(404);
      expect(missing.body.code).toBe('user_not_found');
      await as(admin).patch('/admin/users/abc', { plan: 'x' }).expect(400);
      await as(admin).patch('/admin/users/0', { plan: 'x' }).expect(400);
    });

    it.each([
      [{ role: 'root' }, 'role'],
      [{ role: null }, 'role'],
      [{ email: 'not-an-email' }, 'email'],
      [{ email: 5 }, 'email'],
      [{ plan: '' }, 'plan'],
      [{ plan: null }, 'plan'],
      [{ plan: 'x'.repeat(101) }, 'plan'],
      [{ plan_expires_at: '2030-01-01' }, 'plan_expires_at'],
      [{ plan_expires_at: 'tomorrow' }, 'plan_expires_at'],
      [{ status: 'Active!' }, 'status'],
      [{ status: null }, 'status'],
      [{ slots_configured: 0 }, 'slots_configured'],
      [{ slots_configured: 1000 }, 'slots_configured'],
      [{ slots_configured: '5' }, 'slots_configured'],
      [{ password: 'x' }, 'password'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const user = await createUser(testApp, { role: 'viewer' });
      const response = await as(admin).patch(`/admin/users/${user.id}`, body).expect(400);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([field]);
    });
  });

  describe('POST /admin/users', () => {
    it('creates a user who can log in, viewer by default', async () => {
      const username = unique('created');
      const response = await as(admin)
        .post('/admin/users', { username, password: 'a-good-password', email: 'New@Example.com' })
        .expect(201);
      expect(response.body).toMatchObject({
        username,
        role: 'viewer',
        email: 'new@example.com',
        plan: 'free',
        status: 'active',
        slots: 1,
      });
      await login(username, 'a-good-password').expect(200);
      const adminUser = await as(admin)
        .post('/admin/users', {
          username: unique('boss'),
          password: 'a-good-password',
          role: 'admin',
        })
        .expect(201);
      expect(adminUser.body.role).toBe('admin');
    });

    it('answers 409 for a taken username (never resets its password) or e-mail', async () => {
      const existing = await createUser(testApp, { role: 'viewer' });
      const taken = await as(admin)
        .post('/admin/users', { username: existing.username, password: 'another-password' })
        .expect(409);
      expect(taken.body.code).toBe('username_taken');
      await login(existing.username, existing.password).expect(200);

      await as(admin)
        .post('/admin/users', {
          username: unique('e'),
          password: 'a-good-password',
          email: 'dup@example.com',
        })
        .expect(201);
      const dup = await as(admin)
        .post('/admin/users', {
          username: unique('e'),
          password: 'a-good-password',
          email: 'DUP@example.com',
        })
        .expect(409);
      expect(dup.body.code).toBe('email_taken');
    });

    it.each([
      [{ password: 'a-good-password' }, 'username'],
      [{ username: 'has space', password: 'a-good-password' }, 'username'],
      [{ username: 'okname', password: 'short' }, 'password'],
      [{ username: 'okname', password: 'x'.repeat(73) }, 'password'],
      [{ username: 'okname', password: 'a-good-password', role: 'owner' }, 'role'],
      [{ username: 'okname', password: 'a-good-password', email: 'nope' }, 'email'],
      [{ username: 'okname', password: 'a-good-password', plan: 'Super' }, 'plan'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const response = await as(admin).post('/admin/users', body).expect(400);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });
  });

  describe('POST /admin/users/{id}/password', () => {
    it('sets the password and revokes every session of the user', async () => {
      const user = await createUser(testApp, { role: 'viewer' });
      const before = await login(user.username, user.password).expect(200);
      const response = await as(admin)
        .post(`/admin/users/${user.id}/password`, { new_password: 'brand-new-password' })
        .expect(200);
      expect(response.body).toEqual({ status: 'ok' });
      await login(user.username, user.password).expect(401);
      await login(user.username, 'brand-new-password').expect(200);
      await testApp
        .http()
        .post('/auth/refresh')
        .send({ refresh_token: before.body.refresh_token })
        .expect(401);
    });

    it('answers 400 for a bad password, 404 for an unknown user', async () => {
      const user = await createUser(testApp, { role: 'viewer' });
      for (const new_password of ['short', 'é'.repeat(37), 12345678]) {
        const response = await as(admin)
          .post(`/admin/users/${user.id}/password`, { new_password })
          .expect(400);
        expect(response.body.errors[0].field).toBe('new_password');
      }
      await as(admin).post(`/admin/users/${user.id}/password`, {}).expect(400);
      await login(user.username, user.password).expect(200);
      await as(admin)
        .post('/admin/users/2147483647/password', { new_password: 'brand-new-password' })
        .expect(404);
    });
  });
});
