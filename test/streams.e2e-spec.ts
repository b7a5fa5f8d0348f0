import { SecretBox, SecretDecryptionError } from '../src/common/crypto/secret-box';
import { StreamerSyncService } from '../src/streams/streamer-sync.service';
import { createStreamer, insertBurst, loginAs, Session } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const STREAMER_FIELDS = [
  'api_mode',
  'avatar_url',
  'display_name',
  'has_client_credentials',
  'id',
  'is_active',
  'is_live',
  'last_live_check_at',
  'last_seen_live_at',
  'live_game_name',
  'live_since',
  'live_title',
  'live_viewer_count',
  'monitor_interval_seconds',
  'monitor_min_clips',
  'trial_expires_at',
  'twitch_user_id',
];

describe('streams', () => {
  let testApp: TestApp;
  let admin: Session;
  let viewer: Session;
  let nextTwitchId = 5_000;

  /** A fresh twitch_user_id per test, so tests do not collide on the unique column. */
  const twitchId = () => String(++nextTwitchId);

  beforeAll(async () => {
    testApp = await startTestApp();
    admin = await loginAs(testApp, 'admin');
    viewer = await loginAs(testApp, 'viewer');
  });

  afterAll(async () => {
    await testApp.close();
  });

  const postStream = (body: unknown, session: Session | null = admin) => {
    const request = testApp.http().post('/streams');
    if (session) void request.set('Authorization', session.bearer);
    return request.send(body as object);
  };

  const count = async (sql: string, params: unknown[]): Promise<number> => {
    const [row]: Array<{ n: number }> = await testApp.dataSource.query(sql, params);
    return Number(row.n);
  };

  describe('POST /streams', () => {
    it('creates a streamer with the defaults and answers 201 with exactly the public fields', async () => {
      const id = twitchId();
      const response = await postStream({ twitch_user_id: id }).expect(201);
      expect(response.body).toEqual({
        id: expect.any(Number),
        twitch_user_id: id,
        display_name: id,
        avatar_url: null,
        is_active: true,
        monitor_interval_seconds: 180,
        monitor_min_clips: 2,
        api_mode: 'clipador_only',
        trial_expires_at: null,
        has_client_credentials: false,
        is_live: false,
        live_since: null,
        live_viewer_count: null,
        live_title: null,
        live_game_name: null,
        last_live_check_at: null,
        last_seen_live_at: null,
      });
    });

    it('stores every writable field and normalises trial_expires_at to UTC', async () => {
      const id = twitchId();
      const response = await postStream({
        twitch_user_id: id,
        display_name: 'Gaules',
        avatar_url: 'https://static-cdn.jtvnw.net/gaules.png',
        is_active: false,
        monitor_interval_seconds: 90,
        monitor_min_clips: 4,
        api_mode: 'clipador_trial',
        trial_expires_at: '2030-01-31T23:59:59-03:00',
        client_twitch_client_id: 'clientid123',
        client_twitch_client_secret: 'trial-secret-value',
      }).expect(201);
      expect(response.body).toEqual({
        id: expect.any(Number),
        twitch_user_id: id,
        display_name: 'Gaules',
        avatar_url: 'https://static-cdn.jtvnw.net/gaules.png',
        is_active: false,
        monitor_interval_seconds: 90,
        monitor_min_clips: 4,
        api_mode: 'clipador_trial',
        trial_expires_at: '2030-02-01T02:59:59.000Z',
        has_client_credentials: true,
        is_live: false,
        live_since: null,
        live_viewer_count: null,
        live_title: null,
        live_game_name: null,
        last_live_check_at: null,
        last_seen_live_at: null,
      });
    });

    it('accepts the bounds of the numeric ranges', async () => {
      await postStream({
        twitch_user_id: twitchId(),
        monitor_interval_seconds: 10,
        monitor_min_clips: 1,
      }).expect(201);
      await postStream({
        twitch_user_id: twitchId(),
        monitor_interval_seconds: 86_400,
        monitor_min_clips: 1_000,
      }).expect(201);
    });

    it('stores the client secret encrypted and never returns it', async () => {
      const secret = 'very-secret-client-value-42';
      const response = await postStream({
        twitch_user_id: twitchId(),
        api_mode: 'client',
        client_twitch_client_id: 'ownclientid',
        client_twitch_client_secret: secret,
      }).expect(201);
      expect(response.body.has_client_credentials).toBe(true);
      expect(Object.keys(response.body).sort()).toEqual(STREAMER_FIELDS);
      expect(response.text).not.toContain(secret);

      const [row] = await testApp.dataSource.query(
        'SELECT client_twitch_client_id, client_twitch_client_secret FROM streamers WHERE id = $1',
        [response.body.id],
      );
      expect(row.client_twitch_client_id).toBe('ownclientid');
      expect(row.client_twitch_client_secret).not.toContain(secret);
      expect(row.client_twitch_client_secret).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
      expect(testApp.app.get(SecretBox).decrypt(row.client_twitch_client_secret)).toBe(secret);

      const list = await testApp
        .http()
        .get('/streams')
        .set('Authorization', admin.bearer)
        .expect(200);
      expect(list.text).not.toContain(secret);
      expect(list.text).not.toContain(row.client_twitch_client_secret);
      expect(list.text).not.toContain('client_twitch_client');
    });

    it('answers 409 for a twitch_user_id that exists, and stores it once', async () => {
      const id = twitchId();
      await postStream({ twitch_user_id: id }).expect(201);
      const response = await postStream({ twitch_user_id: id, display_name: 'Again' }).expect(409);
      expect(response.body).toEqual({
        statusCode: 409,
        code: 'streamer_already_exists',
        detail: `A streamer with twitch_user_id ${id} already exists`,
      });
      expect(
        await count('SELECT count(*) AS n FROM streamers WHERE twitch_user_id = $1', [id]),
      ).toBe(1);
    });

    it('lets exactly one of two concurrent creates with the same twitch_user_id win', async () => {
      const id = twitchId();
      const statuses = await Promise.all(
        Array.from({ length: 4 }, () => postStream({ twitch_user_id: id }).then((r) => r.status)),
      );
      expect(statuses.sort()).toEqual([201, 409, 409, 409]);
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ['an unknown field', { twitch_user_id: '1', nickname: 'x' }, ['nickname']],
      ['a missing twitch_user_id', { display_name: 'Nobody' }, ['twitch_user_id']],
      ['an empty twitch_user_id', { twitch_user_id: '' }, ['twitch_user_id']],
      ['a numeric twitch_user_id', { twitch_user_id: 123 }, ['twitch_user_id']],
      ['a twitch_user_id with spaces', { twitch_user_id: 'a b' }, ['twitch_user_id']],
      [
        'a twitch_user_id over 64 characters',
        { twitch_user_id: '1'.repeat(65) },
        ['twitch_user_id'],
      ],
      [
        'monitor_min_clips as text',
        { twitch_user_id: '1', monitor_min_clips: '3' },
        ['monitor_min_clips'],
      ],
      ['monitor_min_clips 0', { twitch_user_id: '1', monitor_min_clips: 0 }, ['monitor_min_clips']],
      [
        'monitor_min_clips 1001',
        { twitch_user_id: '1', monitor_min_clips: 1001 },
        ['monitor_min_clips'],
      ],
      [
        'monitor_interval_seconds 9',
        { twitch_user_id: '1', monitor_interval_seconds: 9 },
        ['monitor_interval_seconds'],
      ],
      [
        'monitor_interval_seconds 86401',
        { twitch_user_id: '1', monitor_interval_seconds: 86_401 },
        ['monitor_interval_seconds'],
      ],
      [
        'monitor_interval_seconds 1.5',
        { twitch_user_id: '1', monitor_interval_seconds: 1.5 },
        ['monitor_interval_seconds'],
      ],
      ['an invalid api_mode', { twitch_user_id: '1', api_mode: 'premium' }, ['api_mode']],
      ['is_active as text', { twitch_user_id: '1', is_active: 'true' }, ['is_active']],
      ['a blank display_name', { twitch_user_id: '1', display_name: '  ' }, ['display_name']],
      [
        'an avatar_url that is not a URL',
        { twitch_user_id: '1', avatar_url: 'picture' },
        ['avatar_url'],
      ],
      [
        'a trial_expires_at that is not a date',
        { twitch_user_id: '1', trial_expires_at: 'tomorrow' },
        ['trial_expires_at'],
      ],
      [
        'a trial_expires_at without a zone',
        { twitch_user_id: '1', trial_expires_at: '2030-01-01T00:00:00' },
        ['trial_expires_at'],
      ],
      [
        'api_mode client without credentials',
        { twitch_user_id: '1', api_mode: 'client' },
        ['client_twitch_client_id', 'client_twitch_client_secret'],
      ],
      [
        'api_mode client with only a client id',
        { twitch_user_id: '1', api_mode: 'client', client_twitch_client_id: 'abc' },
        ['client_twitch_client_secret'],
      ],
      [
        'a client id without its secret',
        { twitch_user_id: '1', client_twitch_client_id: 'abc' },
        ['client_twitch_client_secret'],
      ],
      [
        'a client secret without its id',
        { twitch_user_id: '1', client_twitch_client_secret: 'xyz' },
        ['client_twitch_client_id'],
      ],
      [
        'several bad fields at once',
        { twitch_user_id: '1', monitor_min_clips: '3', api_mode: 'bogus', extra: 1 },
        ['monitor_min_clips', 'api_mode', 'extra'],
      ],
    ])('answers 400 naming the field for %s', async (_name, body, fields) => {
      const response = await postStream(body).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'validation_failed' });
      for (const field of fields) expect(response.body.detail).toContain(field);
      // One message per offending field, not one per broken rule.
      expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
        [...fields].sort(),
      );
      expect(response.text).not.toContain('xyz');
    });

    it('answers 400 for a body that is not a JSON object', async () => {
      for (const body of ['[]', '"1234"', '42']) {
        const response = await testApp
          .http()
          .post('/streams')
          .set('Authorization', admin.bearer)
          .set('Content-Type', 'application/json')
          .send(body)
          .expect(400);
        expect(response.body.code).toBe('validation_failed');
      }
    });

    it('stores nothing when the body is refused', async () => {
      const id = twitchId();
      await postStream({ twitch_user_id: id, api_mode: 'client' }).expect(400);
      expect(
        await count('SELECT count(*) AS n FROM streamers WHERE twitch_user_id = $1', [id]),
      ).toBe(0);
    });

    it('answers 403 to a viewer and 401 without a token', async () => {
      const forbidden = await postStream({ twitch_user_id: twitchId() }, viewer).expect(403);
      expect(forbidden.body).toEqual({
        statusCode: 403,
        code: 'forbidden',
        detail: expect.any(String),
      });
      const unauthorized = await postStream({ twitch_user_id: twitchId() }, null).expect(401);
      expect(unauthorized.body.code).toBe('invalid_token');
    });
  });

  describe('GET /streams', () => {
    it('answers a bare array ordered by display_name, to viewers too', async () => {
      const created = [];
      for (const displayName of ['order-c', 'order-a', 'order-b']) {
        const response = await postStream({
          twitch_user_id: twitchId(),
          display_name: displayName,
        }).expect(201);
        created.push(response.body);
      }
      const response = await testApp
        .http()
        .get('/streams')
        .set('Authorization', viewer.bearer)
        .expect(200);
      expect(Array.isArray(response.body)).toBe(true);
      const ours = response.body.filter((s: { display_name: string }) =>
        s.display_name.startsWith('order-'),
      );
      expect(ours).toEqual([created[1], created[2], created[0]]);
      for (const streamer of response.body) {
        expect(Object.keys(streamer).sort()).toEqual(STREAMER_FIELDS);
      }
    });

    it('answers 401 without a token', async () => {
      const response = await testApp.http().get('/streams').expect(401);
      expect(response.body.code).toBe('invalid_token');
    });
  });

  describe('DELETE /streams/:id', () => {
    it('answers 204 and deletes the streamer with its clips and bursts, and nobody else’s', async () => {
      const doomed = await createStreamer(testApp);
      const kept = await createStreamer(testApp);
      const now = Date.now();
      const doomedBurst = await insertBurst(testApp, doomed.id, [
        { createdAt: new Date(now - 60_000) },
        { createdAt: new Date(now - 30_000) },
      ]);
      const keptBurst = await insertBurst(testApp, kept.id, [
        { createdAt: new Date(now - 60_000) },
        { createdAt: new Date(now - 50_000) },
      ]);

      const response = await testApp
        .http()
        .delete(`/streams/${doomed.id}`)
        .set('Authorization', admin.bearer)
        .expect(204);
      expect(response.text).toBe('');

      expect(await count('SELECT count(*) AS n FROM streamers WHERE id = $1', [doomed.id])).toBe(0);
      expect(
        await count('SELECT count(*) AS n FROM clips WHERE streamer_id = $1', [doomed.id]),
      ).toBe(0);
      expect(
        await count('SELECT count(*) AS n FROM bursts WHERE streamer_id = $1', [doomed.id]),
      ).toBe(0);
      expect(
        await count('SELECT count(*) AS n FROM burst_clips WHERE burst_id = $1', [doomedBurst.id]),
      ).toBe(0);
      expect(
        await count('SELECT count(*) AS n FROM burst_clips WHERE burst_id = $1', [keptBurst.id]),
      ).toBe(2);
      expect(await count('SELECT count(*) AS n FROM clips WHERE streamer_id = $1', [kept.id])).toBe(
        2,
      );
    });

    it('answers 404 for an unknown id, and for a second delete', async () => {
      const streamer = await createStreamer(testApp);
      await testApp
        .http()
        .delete(`/streams/${streamer.id}`)
        .set('Authorization', admin.bearer)
        .expect(204);
      const again = await testApp
        .http()
        .delete(`/streams/${streamer.id}`)
        .set('Authorization', admin.bearer)
        .expect(404);
      expect(again.body).toEqual({
        statusCode: 404,
        code: 'streamer_not_found',
        detail: `Streamer ${streamer.id} not found`,
      });
      await testApp
        .http()
        .delete('/streams/2147483647')
        .set('Authorization', admin.bearer)
        .expect(404);
    });

    it.each(['abc', '1.5', '0', '-1', '1e3', '0x10', '%207', '2147483648', '99999999999'])(
      'answers 400 for the id %s',
      async (id) => {
        const response = await testApp
          .http()
          .delete(`/streams/${id}`)
          .set('Authorization', admin.bearer)
          .expect(400);
        expect(response.body).toEqual({
          statusCode: 400,
          code: 'validation_failed',
          detail: 'id: id must be an integer from 1 to 2147483647',
          errors: [{ field: 'id', message: 'id must be an integer from 1 to 2147483647' }],
        });
      },
    );

    it('answers 403 to a viewer and 401 without a token, and deletes nothing', async () => {
      const streamer = await createStreamer(testApp);
      await testApp
        .http()
        .delete(`/streams/${streamer.id}`)
        .set('Authorization', viewer.bearer)
        .expect(403);
      await testApp.http().delete(`/streams/${streamer.id}`).expect(401);
      expect(await count('SELECT count(*) AS n FROM streamers WHERE id = $1', [streamer.id])).toBe(
        1,
      );
    });
  });

  describe('StreamerSyncService (for ingestion)', () => {
    let service: StreamerSyncService;

    beforeAll(() => {
      service = testApp.app.get(StreamerSyncService);
    });

    it('lists active streamers only, without any secret', async () => {
      const active = await createStreamer(testApp, {
        apiMode: 'client',
        clientTwitchClientId: 'cid',
        clientTwitchClientSecret: 'sync-secret',
        monitorIntervalSeconds: 120,
        monitorMinClips: 3,
      });
      const inactive = await createStreamer(testApp, { isActive: false });
      const streamers = await service.findActiveForSync();
      const ids = streamers.map((s) => s.id);
      expect(ids).toContain(active.id);
      expect(ids).not.toContain(inactive.id);
      expect(streamers.find((s) => s.id === active.id)).toEqual({
        id: active.id,
        twitchUserId: active.twitchUserId,
        displayName: active.displayName,
        isActive: true,
        apiMode: 'client',
        trialExpiresAt: null,
        monitorIntervalSeconds: 120,
        monitorMinClips: 3,
        lastClipSyncedAt: null,
        hasClientCredentials: true,
        isLive: false,
        liveViewerCount: null,
        lastSeenLiveAt: null,
      });
      expect(JSON.stringify(streamers)).not.toContain('v1:');
      expect(await service.findForSync(inactive.id)).toMatchObject({ isActive: false });
      expect(await service.findForSync(2_000_000_000)).toBeNull();
    });

    it('decrypts client credentials on request, and has none for a streamer without them', async () => {
      const own = await createStreamer(testApp, {
        apiMode: 'client',
        clientTwitchClientId: 'cid-own',
        clientTwitchClientSecret: 'the-own-secret',
      });
      const plain = await createStreamer(testApp);
      expect(await service.getClientCredentials(own.id)).toEqual({
        clientId: 'cid-own',
        clientSecret: 'the-own-secret',
      });
      expect(await service.getClientCredentials(plain.id)).toBeNull();
      expect(await service.getClientCredentials(2_000_000_000)).toBeNull();
    });

    it('refuses a stored secret that was altered', async () => {
      const streamer = await createStreamer(testApp, {
        clientTwitchClientId: 'cid',
        clientTwitchClientSecret: 'soon-tampered',
      });
      await testApp.dataSource.query(
        `UPDATE streamers
         SET client_twitch_client_secret = regexp_replace(client_twitch_client_secret, ':[^:]+$', ':AAAA')
         WHERE id = $1`,
        [streamer.id],
      );
      await expect(service.getClientCredentials(streamer.id)).rejects.toThrow(
        SecretDecryptionError,
      );
    });
  });
});
