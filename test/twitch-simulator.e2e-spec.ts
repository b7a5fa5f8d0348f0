import type { HelixClip, HelixPage, HelixStream, HelixUser } from '../src/twitch/helix.types';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

/**
 * The simulator is the yardstick of the Twitch client's tests and of the benchmarks: if it did
 * not behave like Twitch, they would prove nothing. These cases hold it to Twitch's wire format.
 */

const CLIENT_ID = 'sim-client';
const CLIENT_SECRET = 'sim-secret';
const BROADCASTER = '5001';

describe('Twitch simulator', () => {
  let sim: TwitchSimulator;
  let token: string;

  async function requestToken(query: string, body?: string): Promise<Response> {
    return fetch(`${sim.authUrl}/token${query}`, {
      method: 'POST',
      headers: body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {},
      body,
    });
  }

  async function helix(path: string, headers?: Record<string, string>): Promise<Response> {
    return fetch(`${sim.helixUrl}${path}`, {
      headers: headers ?? { 'Client-Id': CLIENT_ID, Authorization: `Bearer ${token}` },
    });
  }

  async function clipsPage(query: string): Promise<HelixPage<HelixClip>> {
    const response = await helix(`/clips?${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as HelixPage<HelixClip>;
  }

  beforeAll(async () => {
    sim = await TwitchSimulator.start({ rateLimit: null });
  });

  afterAll(async () => {
    await sim.close();
  });

  beforeEach(async () => {
    sim.reset();
    sim.setRateLimit(null);
    sim.addApp(CLIENT_ID, CLIENT_SECRET);
    sim.addUser({ id: BROADCASTER, login: 'Gaules', display_name: 'Gaules' });
    const response = await requestToken(
      `?client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}&grant_type=client_credentials`,
    );
    token = ((await response.json()) as { access_token: string }).access_token;
  });

  describe('token endpoint', () => {
    it('issues an app token from query parameters or from a form body', async () => {
      const fromForm = await requestToken(
        '',
        `client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}&grant_type=client_credentials`,
      );

      expect(fromForm.status).toBe(200);
      expect(await fromForm.json()).toEqual({
        access_token: expect.stringMatching(/^\w{20,}$/),
        expires_in: expect.any(Number),
        token_type: 'bearer',
      });
      expect(token).toMatch(/^\w{20,}$/);
    });

    it('answers 400 invalid client for an unknown client and 403 for a wrong secret', async () => {
      const unknown = await requestToken(
        '?client_id=nobody&client_secret=x&grant_type=client_credentials',
      );
      const wrong = await requestToken(
        `?client_id=${CLIENT_ID}&client_secret=wrong&grant_type=client_credentials`,
      );

      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toEqual({ status: 400, message: 'invalid client' });
      expect(wrong.status).toBe(403);
      expect(await wrong.json()).toEqual({ status: 403, message: 'invalid client secret' });
    });
  });

  describe('Helix authentication', () => {
    it('answers 401 without a valid token, with a revoked one, or with another client id', async () => {
      const missing = await helix(`/users?id=${BROADCASTER}`, { 'Client-Id': CLIENT_ID });
      sim.addApp('other-client', 'other-secret');
      const mismatched = await helix(`/users?id=${BROADCASTER}`, {
        'Client-Id': 'other-client',
        Authorization: `Bearer ${token}`,
      });
      sim.revokeTokens(CLIENT_ID);
      const revoked = await helix(`/users?id=${BROADCASTER}`);

      expect(await missing.json()).toEqual({
        error: 'Unauthorized',
        status: 401,
        message: 'Invalid OAuth token',
      });
      expect([missing.status, mismatched.status, revoked.status]).toEqual([401, 401, 401]);
      expect(sim.stats().byClient[CLIENT_ID].unauthorized).toBe(2);
    });
  });

  describe('GET /helix/clips', () => {
    it('orders clips by view count, most viewed first, ties in insertion order', async () => {
      const at = new Date('2024-05-01T12:00:00Z');
      const low = sim.addClip({ broadcaster_id: BROADCASTER, created_at: at, view_count: 3 });
      const tieA = sim.addClip({ broadcaster_id: BROADCASTER, created_at: at, view_count: 10 });
      const high = sim.addClip({ broadcaster_id: BROADCASTER, created_at: at, view_count: 99 });
      const tieB = sim.addClip({ broadcaster_id: BROADCASTER, created_at: at, view_count: 10 });

      const page = await clipsPage(`broadcaster_id=${BROADCASTER}&started_at=2024-05-01T00:00:00Z`);

      expect(page.data.map((clip) => clip.id)).toEqual([high.id, tieA.id, tieB.id, low.id]);
    });

    it('answers clips with every field Twitch documents', async () => {
      sim.addClip({
        broadcaster_id: BROADCASTER,
        created_at: '2024-05-01T12:00:00.750Z',
        view_count: 7,
        video_id: '2001',
        duration: 28.5,
        vod_offset: 1234,
        title: 'what a play',
      });

      const [clip] = (await clipsPage(`broadcaster_id=${BROADCASTER}`)).data;

      expect(clip).toEqual({
        id: expect.any(String),
        url: `https://clips.twitch.tv/${clip.id}`,
        embed_url: `https://clips.twitch.tv/embed?clip=${clip.id}`,
        broadcaster_id: BROADCASTER,
        broadcaster_name: 'Gaules',
        creator_id: expect.any(String),
        creator_name: expect.any(String),
        video_id: '2001',
        game_id: expect.any(String),
        language: 'en',
        title: 'what a play',
        view_count: 7,
        created_at: '2024-05-01T12:00:00Z',
        thumbnail_url: expect.stringContaining('https://'),
        duration: 28.5,
        vod_offset: 1234,
        is_featured: false,
      });
    });

    it('filters by started_at and ended_at, and ends a window with only a start after one week', async () => {
      const inside = sim.addClip({
        broadcaster_id: BROADCASTER,
        created_at: '2024-05-03T00:00:00Z',
      });
      const before = sim.addClip({
        broadcaster_id: BROADCASTER,
        created_at: '2024-04-30T00:00:00Z',
      });
      const afterWeek = sim.addClip({
        broadcaster_id: BROADCASTER,
        created_at: '2024-05-09T00:00:00Z',
      });

      const bounded = await clipsPage(
        `broadcaster_id=${BROADCASTER}&started_at=2024-05-01T00:00:00Z&ended_at=2024-05-04T00:00:00Z`,
      );
      const startOnly = await clipsPage(
        `broadcaster_id=${BROADCASTER}&started_at=2024-05-01T00:00:00Z`,
      );
      const all = await clipsPage(`broadcaster_id=${BROADCASTER}`);

      expect(bounded.data.map((clip) => clip.id)).toEqual([inside.id]);
      expect(startOnly.data.map((clip) => clip.id)).toEqual([inside.id]);
      expect(all.data.map((clip) => clip.id).sort()).toEqual(
        [inside.id, before.id, afterWeek.id].sort(),
      );
    });

    it('hides a clip indexed late until its visible time', async () => {
      const now = Date.now();
      const late = sim.addClip({
        broadcaster_id: BROADCASTER,
        created_at: new Date(now - 60_000),
        visibleAfter: new Date(now + 60_000),
      });

      expect((await clipsPage(`broadcaster_id=${BROADCASTER}`)).data).toEqual([]);
      sim.updateClip(late.id, { visibleAfter: new Date(Date.now() - 1) });
      expect(
        (await clipsPage(`broadcaster_id=${BROADCASTER}`)).data.map((clip) => clip.id),
      ).toEqual([late.id]);
    });

    it('pages with a cursor, and a full last page still carries one that leads to an empty page', async () => {
      for (let index = 0; index < 4; index++) {
        sim.addClip({
          broadcaster_id: BROADCASTER,
          created_at: '2024-05-01T00:00:00Z',
          view_count: index,
        });
      }

      const first = await clipsPage(`broadcaster_id=${BROADCASTER}&first=2`);
      const second = await clipsPage(
        `broadcaster_id=${BROADCASTER}&first=2&after=${first.pagination?.cursor}`,
      );
      const third = await clipsPage(
        `broadcaster_id=${BROADCASTER}&first=2&after=${second.pagination?.cursor}`,
      );

      expect(first.data.map((clip) => clip.view_count)).toEqual([3, 2]);
      expect(second.data.map((clip) => clip.view_count)).toEqual([1, 0]);
      expect(second.pagination?.cursor).toEqual(expect.any(String));
      expect(third).toEqual({ data: [], pagination: {} });
    });

    it('gives no cursor on a full last page when configured not to', async () => {
      const strict = await TwitchSimulator.start({ rateLimit: null, cursorOnFullPage: false });
      try {
        strict.addApp(CLIENT_ID, CLIENT_SECRET);
        for (let index = 0; index < 2; index++) {
          strict.addClip({ broadcaster_id: BROADCASTER, created_at: '2024-05-01T00:00:00Z' });
        }
        const tokenResponse = await fetch(
          `${strict.authUrl}/token?client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}&grant_type=client_credentials`,
          { method: 'POST' },
        );
        const strictToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
        const response = await fetch(
          `${strict.helixUrl}/clips?broadcaster_id=${BROADCASTER}&first=2`,
          {
            headers: { 'Client-Id': CLIENT_ID, Authorization: `Bearer ${strictToken}` },
          },
        );

        expect(await response.json()).toMatchObject({ pagination: {} });
      } finally {
        await strict.close();
      }
    });

    it.each([
      ['first is 0', `broadcaster_id=${BROADCASTER}&first=0`],
      ['first is 101', `broadcaster_id=${BROADCASTER}&first=101`],
      ['first is not a number', `broadcaster_id=${BROADCASTER}&first=ten`],
      ['started_at is not RFC3339', `broadcaster_id=${BROADCASTER}&started_at=yesterday`],
      [
        'ended_at is not a date',
        `broadcaster_id=${BROADCASTER}&started_at=2024-05-01T00:00:00Z&ended_at=2024-13-45T99:00:00Z`,
      ],
      ['no broadcaster_id, game_id or id', 'first=5'],
      ['broadcaster_id is empty', 'broadcaster_id=&first=5'],
      ['the cursor is garbage', `broadcaster_id=${BROADCASTER}&after=%%%`],
    ])('answers 400 in Twitch’s shape when %s', async (_case, query) => {
      const response = await helix(`/clips?${query}`);

      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'Bad Request',
        status: 400,
        message: expect.any(String),
      });
    });
  });

  describe('GET /helix/users', () => {
    it('finds users by id and by login, case-insensitively', async () => {
      sim.addUser({ id: '5002', login: 'casimiro', display_name: 'Casimiro' });
      sim.addUser({ id: '5003', login: 'nobru', display_name: 'Nobru' });

      const response = await helix(`/users?id=${BROADCASTER}&login=Casimiro&login=unknown`);
      const body = (await response.json()) as HelixPage<HelixUser>;

      expect(body.data.map((user) => user.login).sort()).toEqual(['casimiro', 'gaules']);
      expect(Object.keys(body.data[0]).sort()).toEqual(
        [
          'broadcaster_type',
          'created_at',
          'description',
          'display_name',
          'id',
          'login',
          'offline_image_url',
          'profile_image_url',
          'type',
          'view_count',
        ].sort(),
      );
    });

    it('refuses more than 100 ids and logins together', async () => {
      const ids = Array.from({ length: 101 }, (_, index) => `id=${index}`).join('&');

      expect((await helix(`/users?${ids}`)).status).toBe(400);
    });
  });

  describe('GET /helix/streams', () => {
    async function streamsPage(query: string): Promise<HelixPage<HelixStream>> {
      const response = await helix(`/streams?${query}`);
      expect(response.status).toBe(200);
      return (await response.json()) as HelixPage<HelixStream>;
    }

    it("answers live streams in Twitch's fields, and nothing for offline users", async () => {
      const startedAt = new Date(Date.now() - 3_600_000);
      sim.setLive(
        BROADCASTER,
        { title: 'Major', game_name: 'Counter-Strike', viewer_count: 50 },
        startedAt,
      );
      sim.addUser({ id: '5002', login: 'offline_one', display_name: 'Offline' });
      const page = await streamsPage(`user_id=${BROADCASTER}&user_id=5002&type=live&first=100`);
      expect(page.data).toHaveLength(1);
      const [stream] = page.data;
      expect(Object.keys(stream).sort()).toEqual(
        [
          'id',
          'user_id',
          'user_login',
          'user_name',
          'game_id',
          'game_name',
          'type',
          'title',
          'viewer_count',
          'started_at',
          'language',
          'thumbnail_url',
          'tags',
          'is_mature',
        ].sort(),
      );
      expect(stream).toMatchObject({
        user_id: BROADCASTER,
        user_login: 'gaules',
        user_name: 'Gaules',
        type: 'live',
        title: 'Major',
        game_name: 'Counter-Strike',
        viewer_count: 50,
        is_mature: false,
      });
      expect(stream.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(Date.parse(stream.started_at)).toBe(Math.floor(startedAt.getTime() / 1000) * 1000);
      expect(stream.thumbnail_url).toContain('{width}x{height}');
      expect(Array.isArray(stream.tags)).toBe(true);
    });

    it('pages by viewer count with a cursor, and refuses more than 100 user ids', async () => {
      const ids = Array.from({ length: 5 }, (_, i) => String(6000 + i));
      ids.forEach((id, i) => sim.setLive(id, { viewer_count: 10 * (i + 1) }));
      const query = ids.map((id) => `user_id=${id}`).join('&');
      const first = await streamsPage(`${query}&first=3`);
      expect(first.data.map((s) => s.viewer_count)).toEqual([50, 40, 30]);
      expect(first.pagination?.cursor).toEqual(expect.any(String));
      const second = await streamsPage(`${query}&first=3&after=${first.pagination!.cursor!}`);
      expect(second.data.map((s) => s.viewer_count)).toEqual([20, 10]);
      expect(second.pagination).toEqual({});

      const tooMany = Array.from({ length: 101 }, (_, i) => `user_id=${7000 + i}`).join('&');
      const refused = await helix(`/streams?${tooMany}`);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ status: 400, error: 'Bad Request' });
    });

    it('takes streams live and offline on a schedule', async () => {
      const now = Date.now();
      sim.addStreamWindow('6100', new Date(now - 1_000), new Date(now + 60_000));
      sim.addStreamWindow('6101', new Date(now + 60_000), undefined);
      sim.setLiveSchedule('6102', { periodMs: 10_000, liveMs: 5_000, phaseMs: 0 });
      const page = await streamsPage('user_id=6100&user_id=6101&type=live');
      expect(page.data.map((s) => s.user_id)).toEqual(['6100']);
      expect(sim.liveStream('6100', now + 61_000)).toBeUndefined();
      expect(sim.liveStream('6101', now + 61_000)?.user_id).toBe('6101');
      const period = Math.floor(now / 10_000) * 10_000;
      expect(sim.liveStream('6102', period + 1_000)?.type).toBe('live');
      expect(sim.liveStream('6102', period + 6_000)).toBeUndefined();
      sim.setOffline('6100');
      expect((await streamsPage('user_id=6100')).data).toEqual([]);
    });
  });

  describe('rate limit', () => {
    it('spends one point per call and answers 429 with the Ratelimit headers once the bucket is empty', async () => {
      sim.setRateLimit({ points: 3, windowMs: 60_000 });
      const before = Date.now();
      const answers = [];
      for (let index = 0; index < 4; index++) answers.push(await helix(`/users?id=${BROADCASTER}`));

      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
      expect(answers.map((answer) => answer.headers.get('ratelimit-remaining'))).toEqual([
        '2',
        '1',
        '0',
        '0',
      ]);
      const reset = Number(answers[3].headers.get('ratelimit-reset')) * 1000;
      // Empty after three points of a 3-per-minute bucket: full again about a minute later.
      expect(reset).toBeGreaterThanOrEqual(before + 59_000);
      expect(reset).toBeLessThanOrEqual(Date.now() + 61_000);
      expect(answers[3].headers.get('ratelimit-limit')).toBe('3');
      expect(sim.stats().byClient[CLIENT_ID]).toMatchObject({
        pointsUsed: 3,
        rateLimited: 1,
        rateLimitedByBucket: 1,
      });
    });
  });

  describe('faults', () => {
    it('answers the next matching requests with the injected status, then normally again', async () => {
      sim.failNext({ status: 503, count: 2, path: 'users' });
      sim.failNext({ status: 429, count: 1, path: 'clips', resetInMs: 5000 });

      const statuses = [];
      for (let index = 0; index < 3; index++) {
        statuses.push((await helix(`/users?id=${BROADCASTER}`)).status);
      }
      const limited = await helix(`/clips?broadcaster_id=${BROADCASTER}`);

      expect(statuses).toEqual([503, 503, 200]);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('ratelimit-reset')) * 1000).toBeGreaterThan(
        Date.now() + 3000,
      );
      expect(sim.stats().totals.faultsInjected).toBe(3);
    });

    it('holds a hung request without answering until the caller gives up', async () => {
      sim.hangNext({ count: 1, path: 'clips' });

      const hung = fetch(`${sim.helixUrl}/clips?broadcaster_id=${BROADCASTER}`, {
        headers: { 'Client-Id': CLIENT_ID, Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(200),
      });

      await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' });
      expect((await helix(`/clips?broadcaster_id=${BROADCASTER}`)).status).toBe(200);
      expect(sim.requests('clips').map((record) => record.status)).toEqual([0, 200]);
    });
  });
});
