import { setTimeout as sleep } from 'node:timers/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_REDIS_URL } from './support/databases';
import { createStreamer } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET from a chosen loopback address (127.0.0.x): each one is a client address of its own. */
async function getFrom(app: TestApp, from: string, path: string): Promise<Answer> {
  if (!app.app.getHttpServer().listening) await app.app.listen(0, '127.0.0.1');
  const { port } = app.app.getHttpServer().address() as AddressInfo;
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, localAddress: from, method: 'GET', path, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let clipSequence = 0;

/** A clip row as ingestion stores it. */
async function insertClip(
  testApp: TestApp,
  streamerId: number,
  createdAt: Date,
  overrides: {
    clipId?: string;
    viewerCount?: number;
    title?: string | null;
    duration?: number;
  } = {},
): Promise<string> {
  clipSequence++;
  const clipId = overrides.clipId ?? `PublicClip${clipSequence}_${process.pid}`;
  await testApp.dataSource.query(
    `INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at,
       viewer_count, title, duration)
     SELECT $1, s.id, s.display_name, s.twitch_user_id, $2, $3, $4, $5 FROM streamers s WHERE s.id = $6`,
    [
      clipId,
      createdAt,
      overrides.viewerCount ?? clipSequence,
      overrides.title === undefined ? `Title ${clipSequence}` : overrides.title,
      overrides.duration ?? 30,
      streamerId,
    ],
  );
  return clipId;
}

const SECOND = 1000;
const ago = (seconds: number) => new Date(Date.now() - seconds * SECOND);
const ids = (body: { data: Array<{ id: string }> }) => body.data.map((clip) => clip.id);

describe('GET /public/clips', () => {
  describe('the feed', () => {
    let testApp: TestApp;
    /** A second process on the same database, with the default 5 s refresh. */
    let replica: TestApp;

    beforeAll(async () => {
      // Rebuilt after a 1 s pause at most: the freshness tests wait it out.
      testApp = await startTestApp({ env: { CLIPADOR_PUBLIC_CLIPS_REFRESH_SECONDS: '1' } });
      replica = await startTestApp({
        databaseUrl: testApp.databaseUrl,
        env: { CLIPADOR_PUBLIC_CLIPS_REFRESH_SECONDS: '300' },
      });
    });

    afterAll(async () => {
      await replica.close();
      await testApp.close();
    });

    const waitPastRefresh = () => sleep(1_100);
    const feed = async (query = '') =>
      (await testApp.http().get(`/public/clips${query}`).expect(200)).body as {
        data: Array<Record<string, unknown> & { id: string }>;
      };

    it('answers the newest clips of active streamers, without a login, in the contract shape', async () => {
      const gaules = await createStreamer(testApp, {
        twitchUserId: '181077473',
        displayName: 'Gaules',
      });
      const quiet = await createStreamer(testApp, { isActive: false });
      const oldestAt = ago(300);
      const oldest = await insertClip(testApp, gaules.id, oldestAt, {
        clipId: 'OldestClip',
        viewerCount: 4321,
        title: 'Que jogada!',
        duration: 27.5,
      });
      const newest = await insertClip(testApp, gaules.id, ago(10), { title: null });
      await insertClip(testApp, quiet.id, ago(5));
      const middle = await insertClip(testApp, gaules.id, ago(100));
      await waitPastRefresh();

      const response = await testApp.http().get('/public/clips').expect(200);

      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Object.keys(response.body as object)).toEqual(['data']);
      expect(ids(response.body)).toEqual([newest, middle, oldest]);
      expect(response.body.data[2]).toEqual({
        id: 'OldestClip',
        created_at: oldestAt.toISOString(),
        viewer_count: 4321,
        title: 'Que jogada!',
        duration: 27.5,
        streamer_name: 'Gaules',
        streamer_external_id: '181077473',
      });
      expect(response.body.data[0].title).toBeNull();
    });

    it('answers 12 clips by default and up to 50 with limit', async () => {
      const streamer = await createStreamer(testApp);
      for (let i = 0; i < 60; i++) await insertClip(testApp, streamer.id, ago(60 + i));
      await waitPastRefresh();
      expect((await feed()).data).toHaveLength(12);
      expect((await feed('?limit=1')).data).toHaveLength(1);
      const fifty = await feed('?limit=50');
      expect(fifty.data).toHaveLength(50);
      const times = fifty.data.map((clip) => Date.parse(clip.created_at as string));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(ids(await feed('?limit=7'))).toEqual(ids(fifty).slice(0, 7));
    });

    it.each([['0'], ['51'], ['-1'], ['abc'], ['1.5'], [''], ['1e1'], ['99999999']])(
      'refuses limit=%s with 400 naming the field',
      async (limit) => {
        const response = await testApp
          .http()
          .get(`/public/clips?limit=${encodeURIComponent(limit)}`)
          .expect(400);
        expect(response.body).toMatchObject({
          statusCode: 400,
          code: 'validation_failed',
          errors: [{ field: 'limit', message: 'limit must be an integer from 1 to 50' }],
        });
      },
    );

    it('refuses a repeated limit and unknown parameters', async () => {
      const repeated = await testApp.http().get('/public/clips?limit=2&limit=3').expect(400);
      expect(repeated.body.errors).toEqual([
        { field: 'limit', message: 'limit must be an integer from 1 to 50' },
      ]);
      const unknown = await testApp.http().get('/public/clips?since=1').expect(400);
      expect(unknown.body.errors).toEqual([
        { field: 'since', message: 'is not an accepted field' },
      ]);
    });

    it('shows a commit made by another process once the refresh pause has passed', async () => {
      const streamer = await createStreamer(testApp);
      await insertClip(testApp, streamer.id, ago(1));
      await waitPastRefresh();
      await feed();
      // Written through the other app's connection: only the database's counter tells us.
      const rows: Array<{ id: number }> = await replica.dataSource.query(
        `INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at)
         VALUES ('FromReplica', $1, 'x', 'y', now()) RETURNING id`,
        [streamer.id],
      );
      expect(rows).toHaveLength(1);
      await waitPastRefresh();
      expect(ids(await feed())[0]).toBe('FromReplica');
    });

    it('follows renames, deactivations, view counts and deletions', async () => {
      const streamer = await createStreamer(testApp, { displayName: 'before' });
      const clipId = await insertClip(testApp, streamer.id, new Date(Date.now() + 60_000));
      await waitPastRefresh();
      expect((await feed()).data[0]).toMatchObject({ id: clipId, streamer_name: 'before' });

      await testApp.dataSource.query(`UPDATE streamers SET display_name = 'after' WHERE id = $1`, [
        streamer.id,
      ]);
      await testApp.dataSource.query(`UPDATE clips SET viewer_count = 777 WHERE clip_id = $1`, [
        clipId,
      ]);
      await waitPastRefresh();
      expect((await feed()).data[0]).toMatchObject({
        id: clipId,
        streamer_name: 'after',
        viewer_count: 777,
      });

      await testApp.dataSource.query(`UPDATE streamers SET is_active = false WHERE id = $1`, [
        streamer.id,
      ]);
      await waitPastRefresh();
      expect(ids(await feed('?limit=50'))).not.toContain(clipId);

      await testApp.dataSource.query(`UPDATE streamers SET is_active = true WHERE id = $1`, [
        streamer.id,
      ]);
      await waitPastRefresh();
      expect(ids(await feed())[0]).toBe(clipId);
      await testApp.dataSource.query(`DELETE FROM clips WHERE clip_id = $1`, [clipId]);
      await waitPastRefresh();
      expect(ids(await feed('?limit=50'))).not.toContain(clipId);
    });

    it('serves the same answer within the refresh pause, then the new one', async () => {
      const streamer = await createStreamer(replica);
      const before = (await replica.http().get('/public/clips').expect(200)).body;
      await insertClip(replica, streamer.id, new Date(Date.now() + 120_000), { clipId: 'Later' });
      // The replica refreshes every 300 s: the clip committed after its snapshot waits.
      expect((await replica.http().get('/public/clips').expect(200)).body).toEqual(before);
      await waitPastRefresh();
      expect(ids(await feed())[0]).toBe('Later');
    });

    it('answers CORS preflights for the configured origins only', async () => {
      const allowed = await testApp
        .http()
        .options('/public/clips')
        .set('Origin', 'http://localhost:5173')
        .set('Access-Control-Request-Method', 'GET');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:5173');

      const get = await testApp.http().get('/public/clips').set('Origin', 'http://127.0.0.1:3000');
      expect(get.status).toBe(200);
      expect(get.headers['access-control-allow-origin']).toBe('http://127.0.0.1:3000');

      const other = await testApp.http().get('/public/clips').set('Origin', 'https://evil.example');
      expect(other.status).toBe(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('ignores an Authorization header: the feed needs no login', async () => {
      await testApp
        .http()
        .get('/public/clips')
        .set('Authorization', 'Bearer not-a-token')
        .expect(200);
    });
  });

  describe.each([
    ['in memory (no Redis)', {}],
    ['in Redis', { CLIPADOR_REDIS_URL: TEST_REDIS_URL }],
  ])('rate limit per client address, %s', (_store, env: Record<string, string>) => {
    let testApp: TestApp;
    const LIMIT = 20;

    beforeAll(async () => {
      testApp = await startTestApp({
        env: {
          ...env,
          CLIPADOR_PUBLIC_CLIPS_RATE_LIMIT: String(LIMIT),
          CLIPADOR_PUBLIC_CLIPS_RATE_WINDOW_SECONDS: '60',
        },
      });
    });

    afterAll(async () => {
      await testApp.close();
    });

    it('answers 429 in the error shape with Retry-After past the limit, per address', async () => {
      for (let i = 0; i < LIMIT; i++) {
        expect((await getFrom(testApp, '127.0.0.21', '/public/clips')).status).toBe(200);
      }
      const refused = await getFrom(testApp, '127.0.0.21', '/public/clips');
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body)).toEqual({
        statusCode: 429,
        code: 'rate_limited',
        detail: expect.stringMatching(/^Too many requests from this address; try again in \d+ s$/),
      });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Bad requests count too, and are refused the same way.
      expect((await getFrom(testApp, '127.0.0.21', '/public/clips?limit=0')).status).toBe(429);
      // Another address has its own allowance.
      expect((await getFrom(testApp, '127.0.0.22', '/public/clips')).status).toBe(200);
    });

    it('under a burst of parallel requests from 8 addresses answers only 200s and 429s, the limit exactly', async () => {
      const addresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${100 + i}`);
      const perAddress = 60;
      const answers = await Promise.all(
        addresses.flatMap((from) =>
          Array.from({ length: perAddress }, (_, i) =>
            getFrom(testApp, from, `/public/clips?limit=${(i % 50) + 1}`).then((answer) => ({
              from,
              status: answer.status,
            })),
          ),
        ),
      );
      expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([200, 429]));
      for (const from of addresses) {
        const ok = answers.filter((answer) => answer.from === from && answer.status === 200);
        expect(ok).toHaveLength(LIMIT);
      }
    });
  });
});
