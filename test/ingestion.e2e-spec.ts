import { loginAs, Session } from './support/factories';
import { TEST_REDIS_URL } from './support/databases';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

interface BurstJson {
  id: number;
  clip_count: number;
  streamer: { twitch_user_id: string };
  clipes: Array<{ id: string; viewer_count: number; created_at: string }>;
}

async function recentBursts(api: TestApp, bearer: string): Promise<BurstJson[]> {
  const response = await api
    .http()
    .get('/clips/bursts/recent?since_minutes=240')
    .set('Authorization', bearer)
    .expect(200);
  return (response.body as { data: BurstJson[] }).data;
}

async function tableCounts(api: TestApp): Promise<Record<string, number>> {
  const [row] = await api.dataSource.query(
    `SELECT (SELECT count(*) FROM clips)::int AS clips,
            (SELECT count(*) FROM bursts)::int AS bursts,
            (SELECT count(*) FROM burst_clips)::int AS burst_clips`,
  );
  return row;
}

/**
 * The ingestion path end to end: the simulator speaks Helix, a worker turns its clips into bursts,
 * the API serves them. Run once with the in-process runner (no Redis) and once with Bull on Redis.
 */
describe.each([
  ['in-process runner (no Redis)', {}],
  ['Bull on Redis', { CLIPADOR_REDIS_URL: TEST_REDIS_URL }],
])('ingestion with the %s', (_name, queueEnv: Record<string, string>) => {
  let sim: TwitchSimulator;
  let api: TestApp;
  let admin: Session;

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    api = await startTestApp({
      env: { ...simulatorEnv(sim), ...queueEnv, CLIPADOR_ROLES: 'api,worker' },
    });
    admin = await loginAs(api, 'admin');
  });

  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  /** Creates a streamer the way the dashboard does. */
  async function createStreamer(body: Record<string, unknown>): Promise<{ id: number }> {
    const response = await api
      .http()
      .post('/streams')
      .set('Authorization', admin.bearer)
      .send(body)
      .expect(201);
    return response.body as { id: number };
  }

  /** The PRODUCT §5 example, around a given time: three clips within 120 s, and one alone. */
  function addExampleClips(broadcasterId: string, aroundMinutesAgo = 8) {
    const at = (offset: number) => minutesAgo(aroundMinutesAgo - offset);
    return [
      sim.addClip({ broadcaster_id: broadcasterId, created_at: at(0), view_count: 10 }),
      sim.addClip({ broadcaster_id: broadcasterId, created_at: at(0.5), view_count: 20 }),
      sim.addClip({ broadcaster_id: broadcasterId, created_at: at(1), view_count: 30 }),
      sim.addClip({ broadcaster_id: broadcasterId, created_at: at(6), view_count: 40 }),
    ];
  }

  it('turns clips into bursts for every api_mode, with the right credentials for each', async () => {
    sim.addApp('own-app', 'own-secret');
    sim.addApp('trial-own-app', 'trial-own-secret');
    await createStreamer({
      twitch_user_id: '2001',
      monitor_interval_seconds: 120,
      monitor_min_clips: 2,
    });
    await createStreamer({
      twitch_user_id: '2002',
      monitor_interval_seconds: 120,
      api_mode: 'client',
      client_twitch_client_id: 'own-app',
      client_twitch_client_secret: 'own-secret',
    });
    await createStreamer({
      twitch_user_id: '2003',
      monitor_interval_seconds: 120,
      api_mode: 'clipador_trial',
      trial_expires_at: new Date(Date.now() - 60_000).toISOString(),
      client_twitch_client_id: 'trial-own-app',
      client_twitch_client_secret: 'trial-own-secret',
    });
    const expected = new Map(
      ['2001', '2002', '2003'].map((id) => [
        id,
        addExampleClips(id)
          .slice(0, 3)
          .map((c) => c.id),
      ]),
    );

    await syncAndWait(api, admin.bearer);

    const bursts = await recentBursts(api, admin.bearer);
    expect(bursts).toHaveLength(3);
    for (const burst of bursts) {
      expect(burst.clip_count).toBe(3);
      expect(burst.clipes.map((clip) => clip.id)).toEqual(
        expected.get(burst.streamer.twitch_user_id),
      );
    }
    const stats = sim.stats().byClient;
    expect(stats['own-app']?.helixRequests).toBeGreaterThan(0);
    expect(stats['trial-own-app']?.helixRequests).toBeGreaterThan(0);
    expect(stats[CLIPADOR_APP.clientId]?.helixRequests).toBeGreaterThan(0);
    const statuses = await api.dataSource.query(
      `SELECT twitch_user_id, last_sync_status, last_clip_synced_at FROM streamers ORDER BY 1`,
    );
    for (const row of statuses) {
      expect(row.last_sync_status).toBe('ok');
      expect(row.last_clip_synced_at).not.toBeNull();
    }
  });

  it('changes nothing when the same clips are synced again', async () => {
    const before = await tableCounts(api);
    const burstsBefore = await api.dataSource.query(
      'SELECT id, start_time, end_time, clip_count, updated_at FROM bursts ORDER BY id',
    );
    await syncAndWait(api, admin.bearer);
    expect(await tableCounts(api)).toEqual(before);
    expect(
      await api.dataSource.query(
        'SELECT id, start_time, end_time, clip_count, updated_at FROM bursts ORDER BY id',
      ),
    ).toEqual(burstsBefore);
  });

  it('grows an existing burst with a clip Twitch indexed late, instead of adding a second burst', async () => {
    const [anchor] = await api.dataSource.query(
      `SELECT b.id, a.created_at FROM bursts b JOIN clips a ON a.id = b.anchor_clip_id
       JOIN streamers s ON s.id = b.streamer_id WHERE s.twitch_user_id = '2001'`,
    );
    // Created 100 s after the anchor (inside W = 120 s, and inside the 10-minute re-read margin)
    // but only indexed by Twitch now.
    const late = sim.addClip({
      broadcaster_id: '2001',
      created_at: new Date(anchor.created_at.getTime() + 100_000),
      view_count: 5,
    });
    await syncAndWait(api, admin.bearer);
    const bursts = (await recentBursts(api, admin.bearer)).filter(
      (burst) => burst.streamer.twitch_user_id === '2001',
    );
    expect(bursts).toHaveLength(1);
    expect(bursts[0].id).toBe(anchor.id);
    expect(bursts[0].clip_count).toBe(4);
    expect(bursts[0].clipes.map((clip) => clip.id)).toContain(late.id);
  });

  it('refreshes view counts on every sync', async () => {
    const clip = sim.addClip({ broadcaster_id: '2001', created_at: minutesAgo(3), view_count: 1 });
    await syncAndWait(api, admin.bearer);
    sim.updateClip(clip.id, { view_count: 777 });
    await syncAndWait(api, admin.bearer);
    const [row] = await api.dataSource.query('SELECT viewer_count FROM clips WHERE clip_id = $1', [
      clip.id,
    ]);
    expect(row.viewer_count).toBe(777);
  });

  it('skips a streamer whose own credentials Twitch rejects, with a reason, and syncs the others', async () => {
    sim.addApp('revoked-app', 'the-real-secret');
    const broken = await createStreamer({
      twitch_user_id: '2004',
      api_mode: 'client',
      client_twitch_client_id: 'revoked-app',
      client_twitch_client_secret: 'a-wrong-secret',
    });
    const fresh = sim.addClip({
      broadcaster_id: '2002',
      created_at: minutesAgo(4),
      view_count: 3,
    });
    sim.addClip({ broadcaster_id: '2004', created_at: minutesAgo(4) });

    await syncAndWait(api, admin.bearer);

    const [brokenRow] = await api.dataSource.query(
      'SELECT last_sync_status, last_sync_error FROM streamers WHERE id = $1',
      [broken.id],
    );
    expect(brokenRow.last_sync_status).toBe('skipped');
    expect(brokenRow.last_sync_error).toMatch(/rejected the credentials of client id revoked-app/);
    expect(brokenRow.last_sync_error).not.toContain('a-wrong-secret');
    const stored = await api.dataSource.query('SELECT 1 FROM clips WHERE clip_id = $1', [fresh.id]);
    expect(stored).toHaveLength(1);
    await api.dataSource.query('UPDATE streamers SET is_active = false WHERE id = $1', [broken.id]);
  });

  it('survives Twitch answering 429, 500 and 503, hanging, and revoking its token', async () => {
    const clips = [
      sim.addClip({ broadcaster_id: '2001', created_at: minutesAgo(2) }),
      sim.addClip({ broadcaster_id: '2002', created_at: minutesAgo(2) }),
      sim.addClip({ broadcaster_id: '2003', created_at: minutesAgo(2) }),
    ];
    sim.failNext({ status: 429, count: 1, path: 'clips', resetInMs: 500 });
    sim.failNext({ status: 500, count: 1, path: 'clips' });
    sim.failNext({ status: 503, count: 1, path: 'clips' });
    sim.hangNext({ count: 1, path: 'clips' });
    sim.revokeTokens();

    await syncAndWait(api, admin.bearer);

    for (const clip of clips) {
      const stored = await api.dataSource.query('SELECT 1 FROM clips WHERE clip_id = $1', [
        clip.id,
      ]);
      expect(stored).toHaveLength(1);
    }
    const statuses = await api.dataSource.query(
      `SELECT last_sync_status FROM streamers WHERE is_active ORDER BY id`,
    );
    expect(statuses.map((row: { last_sync_status: string }) => row.last_sync_status)).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
    const tokenRequests = sim.stats().byClient[CLIPADOR_APP.clientId]?.tokenRequests ?? 0;
    expect(tokenRequests).toBeGreaterThanOrEqual(2);
  });

  it('lets only admins start a sync', async () => {
    const viewer = await loginAs(api, 'viewer');
    await api.http().post('/ingestion/sync').set('Authorization', viewer.bearer).expect(403);
    await api.http().post('/ingestion/sync').expect(401);
  });

  it('reports a live worker and a recent sync on /health/worker', async () => {
    const response = await api.http().get('/health/worker').expect(200);
    expect(response.body).toEqual({
      status: 'ok',
      workers: [expect.any(String)],
      last_sync_at: expect.any(String),
      coverage: expect.objectContaining({ streamers: 3, live: 0, overdue: 0 }),
    });
  });
});
