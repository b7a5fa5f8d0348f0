import { RECENT_BURSTS_SQL } from '../src/clips/clips.repository';
import { createStreamer, insertBurst, loginAs, Session, TestBurst } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const MINUTE = 60_000;

describe('clips', () => {
  let testApp: TestApp;
  let viewer: Session;

  beforeAll(async () => {
    testApp = await startTestApp();
    viewer = await loginAs(testApp, 'viewer');
  });

  afterAll(async () => {
    await testApp.close();
  });

  const recent = (query = '') =>
    testApp.http().get(`/clips/bursts/recent${query}`).set('Authorization', viewer.bearer);

  /** The answer's bursts that belong to these, in the answer's order. */
  const only = (data: Array<{ id: number }>, bursts: TestBurst[]) =>
    data.filter((item) => bursts.some((burst) => burst.id === item.id));

  const minutesAgo = (minutes: number, base = Date.now()) => new Date(base - minutes * MINUTE);

  describe('GET /clips/bursts/recent', () => {
    it('answers each burst with its streamer and its clips, in exactly the contract shape', async () => {
      const streamer = await createStreamer(testApp, {
        twitchUserId: '181077473',
        displayName: 'Gaules',
      });
      const now = Date.now();
      // Stored out of order, with a created_at tie, to check the clips' order in the answer.
      const burst = await insertBurst(testApp, streamer.id, [
        {
          clipId: 'ThirdClipB',
          createdAt: new Date(now - 9 * MINUTE),
          viewerCount: 30,
          videoId: null,
          title: null,
          url: null,
          thumbnailUrl: null,
        },
        {
          clipId: 'FirstClip',
          createdAt: new Date(now - 10 * MINUTE),
          viewerCount: 1234,
          videoId: '2100000001',
          title: 'Que jogada!',
          url: 'https://clips.twitch.tv/FirstClip',
          thumbnailUrl: 'https://clips-media-assets2.twitch.tv/first-preview-480x272.jpg',
          streamerName: 'Gaules',
          streamerExternalId: '181077473',
        },
        { clipId: 'ThirdClipA', createdAt: new Date(now - 9 * MINUTE), viewerCount: 7 },
      ]);
      const [first, thirdB, thirdA] = [burst.clips[1], burst.clips[0], burst.clips[2]];
      const wire = (clip: typeof first) => ({
        id: clip.clipId,
        created_at: clip.createdAt.toISOString(),
        viewer_count: clip.viewerCount,
        video_id: clip.videoId,
        streamer_name: clip.streamerName,
        streamer_external_id: clip.streamerExternalId,
        title: clip.title,
        url: clip.url,
        thumbnail_url: clip.thumbnailUrl,
      });

      const response = await recent('?since_minutes=60').expect(200);

      expect(Object.keys(response.body)).toEqual(['data']);
      expect(only(response.body.data, [burst])).toEqual([
        {
          id: burst.id,
          inicio: burst.startTime.toISOString(),
          inicio_iso: burst.startTime.toISOString(),
          fim: burst.endTime.toISOString(),
          streamer: { id: streamer.id, display_name: 'Gaules', twitch_user_id: '181077473' },
          clip_count: 3,
          ao_vivo: false,
          clipes: [wire(first), wire(thirdA), wire(thirdB)],
        },
      ]);
      expect(first.createdAt.toISOString()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(wire(first)).toEqual({
        id: 'FirstClip',
        created_at: new Date(now - 10 * MINUTE).toISOString(),
        viewer_count: 1234,
        video_id: '2100000001',
        streamer_name: 'Gaules',
        streamer_external_id: '181077473',
        title: 'Que jogada!',
        url: 'https://clips.twitch.tv/FirstClip',
        thumbnail_url: 'https://clips-media-assets2.twitch.tv/first-preview-480x272.jpg',
      });
    });

    it('orders bursts by start, newest first', async () => {
      const streamer = await createStreamer(testApp);
      const other = await createStreamer(testApp);
      const now = Date.now();
      const middle = await insertBurst(testApp, streamer.id, [
        { createdAt: minutesAgo(30, now) },
        { createdAt: minutesAgo(29, now) },
      ]);
      const newest = await insertBurst(testApp, other.id, [
        { createdAt: minutesAgo(5, now) },
        { createdAt: minutesAgo(4, now) },
      ]);
      const oldest = await insertBurst(testApp, streamer.id, [
        { createdAt: minutesAgo(50, now) },
        { createdAt: minutesAgo(20, now) },
      ]);
      const response = await recent().expect(200);
      expect(only(response.body.data, [middle, newest, oldest]).map((b) => b.id)).toEqual([
        newest.id,
        middle.id,
        oldest.id,
      ]);
      const starts = response.body.data.map((b: { inicio: string }) => b.inicio);
      expect(starts).toEqual([...starts].sort().reverse());
    });

    it('includes bursts that started within the window and excludes those just outside it', async () => {
      const streamer = await createStreamer(testApp);
      const now = Date.now();
      const inside = await insertBurst(testApp, streamer.id, [
        { createdAt: minutesAgo(59, now) },
        { createdAt: minutesAgo(58, now) },
      ]);
      // Started before the window but ended inside it: the start decides.
      const outside = await insertBurst(testApp, streamer.id, [
        { createdAt: new Date(now - 60 * MINUTE - 30_000) },
        { createdAt: minutesAgo(50, now) },
      ]);
      const defaultWindow = await recent().expect(200);
      expect(only(defaultWindow.body.data, [inside, outside]).map((b) => b.id)).toEqual([
        inside.id,
      ]);
      const sixty = await recent('?since_minutes=60').expect(200);
      expect(only(sixty.body.data, [inside, outside]).map((b) => b.id)).toEqual([inside.id]);
      const wider = await recent('?since_minutes=61').expect(200);
      expect(only(wider.body.data, [inside, outside]).map((b) => b.id)).toEqual([
        inside.id,
        outside.id,
      ]);
    });

    it('honours the smallest and the largest window', async () => {
      const streamer = await createStreamer(testApp);
      const now = Date.now();
      const fresh = await insertBurst(testApp, streamer.id, [
        { createdAt: new Date(now - 20_000) },
        { createdAt: new Date(now - 10_000) },
      ]);
      const old = await insertBurst(testApp, streamer.id, [
        { createdAt: minutesAgo(239, now) },
        { createdAt: minutesAgo(238, now) },
      ]);
      const tooOld = await insertBurst(testApp, streamer.id, [
        { createdAt: minutesAgo(241, now) },
        { createdAt: minutesAgo(240.5, now) },
      ]);
      const one = await recent('?since_minutes=1').expect(200);
      expect(one.body.data.map((b: { id: number }) => b.id)).toEqual([fresh.id]);
      const max = await recent('?since_minutes=240').expect(200);
      expect(only(max.body.data, [fresh, old, tooOld]).map((b) => b.id)).toEqual([
        fresh.id,
        old.id,
      ]);
    });

    it('answers the stored clip_count', async () => {
      const streamer = await createStreamer(testApp);
      const burst = await insertBurst(
        testApp,
        streamer.id,
        [{ createdAt: minutesAgo(3) }, { createdAt: minutesAgo(2) }],
        { clipCount: 2 },
      );
      await testApp.dataSource.query('UPDATE bursts SET clip_count = 5 WHERE id = $1', [burst.id]);
      const response = await recent().expect(200);
      expect(only(response.body.data, [burst])[0]).toMatchObject({ clip_count: 5 });
    });

    it('answers {"data":[]} when no burst started within the window', async () => {
      const testAppEmpty = await startTestApp();
      try {
        const session = await loginAs(testAppEmpty, 'viewer');
        const response = await testAppEmpty
          .http()
          .get('/clips/bursts/recent')
          .set('Authorization', session.bearer)
          .expect(200);
        expect(response.body).toEqual({ data: [] });
      } finally {
        await testAppEmpty.close();
      }
    });

    it('reads every burst, its streamer and its clips with one SQL statement', async () => {
      const streamer = await createStreamer(testApp);
      for (let i = 0; i < 5; i++) {
        await insertBurst(testApp, streamer.id, [
          { createdAt: minutesAgo(10 + i) },
          { createdAt: minutesAgo(9.5 + i) },
        ]);
      }
      const query = jest.spyOn(testApp.dataSource, 'query');
      try {
        const response = await recent('?since_minutes=60').expect(200);
        expect(response.body.data.length).toBeGreaterThanOrEqual(5);
        // Besides the one-row read of the change counters (which decides whether a cached
        // answer may be reused), the answer is one statement, whatever the number of bursts.
        const statements = query.mock.calls.map(([sql]) => String(sql));
        expect(statements.filter((sql) => !sql.includes('cache_generations'))).toHaveLength(1);
      } finally {
        query.mockRestore();
      }
    });

    it.each([
      ['abc', '?since_minutes=abc'],
      ['0', '?since_minutes=0'],
      ['241', '?since_minutes=241'],
      ['1.5', '?since_minutes=1.5'],
      ['-5', '?since_minutes=-5'],
      ['1e2', '?since_minutes=1e2'],
      ['empty', '?since_minutes='],
      ['repeated', '?since_minutes=5&since_minutes=6'],
    ])('answers 400 for since_minutes %s', async (_name, query) => {
      const response = await recent(query).expect(400);
      expect(response.body).toEqual({
        statusCode: 400,
        code: 'validation_failed',
        detail: 'since_minutes: since_minutes must be an integer from 1 to 240',
        errors: [
          { field: 'since_minutes', message: 'since_minutes must be an integer from 1 to 240' },
        ],
      });
    });

    it('answers 400 for an unknown query parameter', async () => {
      const response = await recent('?since_minutes=60&limit=5').expect(400);
      expect(response.body.code).toBe('validation_failed');
      expect(response.body.detail).toContain('limit');
    });

    it('answers 401 without a token', async () => {
      const response = await testApp.http().get('/clips/bursts/recent').expect(401);
      expect(response.body.code).toBe('invalid_token');
    });
  });

  describe('the recent-bursts query', () => {
    it('is served by idx_bursts_start_time on a table of realistic size', async () => {
      const streamer = await createStreamer(testApp);
      // 20 000 bursts of one clip each over the last 30 days (none within the last 4 hours, so the
      // other tests' windows are unaffected), then fresh statistics, as autovacuum would leave them.
      await testApp.dataSource.query(
        `WITH new_clips AS (
           INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at)
           SELECT 'bulk-' || n, $1, 'bulk', 'bulk', now() - interval '5 hours' - n * interval '2 minutes'
           FROM generate_series(1, 20000) AS n
           RETURNING id, clip_id, created_at),
         new_bursts AS (
           INSERT INTO bursts (streamer_id, anchor_clip_id, start_time, end_time, clip_count)
           SELECT $1, id, created_at, created_at, 1 FROM new_clips
           RETURNING id, anchor_clip_id)
         INSERT INTO burst_clips (burst_id, clip_id, clip_external_id)
         SELECT b.id, c.id, c.clip_id FROM new_bursts b JOIN new_clips c ON c.id = b.anchor_clip_id`,
        [streamer.id],
      );
      for (const table of ['bursts', 'clips', 'burst_clips', 'streamers']) {
        await testApp.dataSource.query(`ANALYZE ${table}`);
      }

      const plan: Array<{ 'QUERY PLAN': string }> = await testApp.dataSource.query(
        `EXPLAIN ${RECENT_BURSTS_SQL}`,
        [minutesAgo(60)],
      );
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      // The window is the index condition (not a filter over a full index scan)...
      expect(text).toMatch(
        /Index Scan( Backward)? using idx_bursts_start_time on bursts b[^\n]*\n\s+Index Cond: \(start_time >= /,
      );
      expect(text).not.toMatch(/Seq Scan on (bursts|clips|burst_clips)/);
      // ...and each burst's clips are found through their index, not by scanning burst_clips.
      expect(text).toMatch(/idx_burst_clips_burst_id/);
    });
  });
});
