import { createStreamer, loginAs, Session, TestStreamer } from './support/factories';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

/**
 * PRODUCT §16 on the simulator: live checks per cycle, the live tier synced every cycle, offline
 * streamers reached oldest first with what the budget leaves, the "unknown, never offline" rule,
 * transitions recorded once, `ao_vivo` and the streamer's live fields, and only the streamers that
 * are polled. The budget is made tiny: 5 points a minute, a 60 s interval, 10% reserve → 4 points
 * a cycle, one of them the Get Streams call: 3 Get Clips a cycle.
 */
describe('live status and budget-fitted cycles', () => {
  let sim: TwitchSimulator;
  let api: TestApp;
  let admin: Session;
  let streamers: TestStreamer[];
  let unmanaged: TestStreamer;

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    api = await startTestApp({
      env: {
        ...simulatorEnv(sim),
        CLIPADOR_ROLES: 'api,worker',
        CLIPADOR_INGESTION_INTERVAL_SECONDS: '60',
        CLIPADOR_TWITCH_POINTS_PER_MINUTE: '5',
        // One at a time: streamers synced in one cycle keep the order of their sync times.
        CLIPADOR_INGESTION_CONCURRENCY: '1',
      },
    });
    admin = await loginAs(api, 'admin');
    streamers = [];
    for (let i = 0; i < 8; i++) streamers.push(await createStreamer(api));
    unmanaged = await createStreamer(api);
    // Attached by nobody and not managed: costs nothing.
    await api.dataSource.query('UPDATE streamers SET managed = false WHERE id = $1', [
      unmanaged.id,
    ]);
  });

  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  /** One cycle; the Twitch ids whose clips it fetched, and how many Get Streams calls it made. */
  async function cycle(): Promise<{ fetched: string[]; liveChecks: number }> {
    sim.resetStats();
    await syncAndWait(api, admin.bearer);
    return {
      fetched: sim
        .requests('clips')
        .map((request) => request.broadcasterId!)
        .sort(),
      liveChecks: sim.requests('streams').length,
    };
  }

  const ids = (...indexes: number[]) => indexes.map((i) => streamers[i].twitchUserId).sort();

  async function streamerJson(id: number): Promise<Record<string, unknown>> {
    const response = await api.http().get('/streams').set('Authorization', admin.bearer);
    return (response.body as Array<Record<string, unknown>>).find((s) => s.id === id)!;
  }

  const sessions = async (streamerId: number) =>
    api.dataSource.query(
      'SELECT started_at, ended_at FROM live_sessions WHERE streamer_id = $1 ORDER BY id',
      [streamerId],
    );

  it('reaches offline streamers oldest first, as many as the budget leaves, one Get Streams call each cycle', async () => {
    const first = await cycle();
    expect(first).toEqual({ fetched: ids(0, 1, 2), liveChecks: 1 });
    const second = await cycle();
    expect(second).toEqual({ fetched: ids(3, 4, 5), liveChecks: 1 });
    // Nobody is live: the streamer object says so, checked.
    const json = await streamerJson(streamers[0].id);
    expect(json).toMatchObject({ is_live: false, live_since: null });
    expect(json.last_live_check_at).toEqual(expect.any(String));
  });

  it('syncs a streamer that went live in the next cycle, ahead of the oldest, with ao_vivo bursts', async () => {
    const live = streamers[1];
    const startedAt = minutesAgo(5);
    sim.setLive(
      live.twitchUserId,
      { title: 'Final do campeonato', game_name: 'Counter-Strike', viewer_count: 4321 },
      startedAt,
    );
    for (const seconds of [0, 10, 20]) {
      sim.addClip({
        broadcaster_id: live.twitchUserId,
        created_at: new Date(minutesAgo(2).getTime() + seconds * 1000),
      });
    }
    const third = await cycle();
    // The live one first (its point comes out of the 3), then the oldest offline with what is
    // left: 6 and 7, never synced, before 0 and 2, synced two cycles ago.
    expect(third.fetched).toEqual(ids(1, 6, 7));

    expect(await streamerJson(live.id)).toMatchObject({
      is_live: true,
      live_since: startedAt.toISOString(),
      live_viewer_count: 4321,
      live_title: 'Final do campeonato',
      live_game_name: 'Counter-Strike',
    });
    expect(await sessions(live.id)).toEqual([{ started_at: startedAt, ended_at: null }]);
    const bursts = await api
      .http()
      .get('/clips/bursts/recent?since_minutes=60')
      .set('Authorization', admin.bearer)
      .expect(200);
    const burst = (bursts.body.data as Array<{ ao_vivo: boolean; streamer: { id: number } }>).find(
      (b) => b.streamer.id === live.id,
    );
    expect(burst?.ao_vivo).toBe(true);
  });

  it('keeps a live streamer live when Get Streams fails, and takes it offline after two complete answers omit it', async () => {
    const live = streamers[1];
    // Every attempt of this cycle's Get Streams fails: unknown, not offline.
    sim.failNext({ status: 503, count: 20, path: 'streams' });
    const failed = await cycle();
    sim.clearFaults();
    expect(failed.fetched).toContain(live.twitchUserId);
    expect(await streamerJson(live.id)).toMatchObject({ is_live: true });

    sim.setOffline(live.twitchUserId);
    const omittedOnce = await cycle();
    expect(omittedOnce.fetched).toContain(live.twitchUserId);
    expect(await streamerJson(live.id)).toMatchObject({ is_live: true });
    expect((await sessions(live.id))[0].ended_at).toBeNull();

    const omittedTwice = await cycle();
    // Offline now, but still in the live tier for 10 minutes (end-of-stream clips arrive late).
    expect(omittedTwice.fetched).toContain(live.twitchUserId);
    expect(await streamerJson(live.id)).toMatchObject({ is_live: false, live_since: null });
    const recorded = await sessions(live.id);
    expect(recorded).toHaveLength(1);
    expect(recorded[0].ended_at).toEqual(expect.any(Date));

    // A further cycle records no second transition.
    await cycle();
    expect(await sessions(live.id)).toEqual(recorded);
  });

  it('shows coverage: totals on the public /health/worker, per hashed credential to admins only', async () => {
    const health = await api.http().get('/health/worker').expect(200);
    expect(health.body.coverage).toEqual({
      planned_at: expect.any(String),
      streamers: 8,
      live: 1,
      offline: 7,
      planned_last_cycle: 3,
      synced_last_cycle: 3,
      overdue: 0,
      never_synced: 0,
      oldest_sync_at: expect.any(String),
    });
    expect(JSON.stringify(health.body)).not.toContain(CLIPADOR_APP.clientId);

    const viewer = await loginAs(api, 'viewer');
    await api.http().get('/ingestion/status').set('Authorization', viewer.bearer).expect(403);
    const status = await api
      .http()
      .get('/ingestion/status')
      .set('Authorization', admin.bearer)
      .expect(200);
    expect(status.body.credentials).toEqual([
      expect.objectContaining({
        credential: expect.stringMatching(/^[0-9a-f]{12}$/),
        streamers: 8,
        live: 1,
        offline: 7,
        live_checks: 1,
        planned_live: 1,
        planned_offline: 2,
        budget: 3,
        points_planned: 4,
        points_per_interval: 5,
      }),
    ]);
    expect(status.body.last_cycle).toMatchObject({ total: 3, synced: 3, failed: 0 });
    expect(status.body.running_cycle).toBeNull();
    expect(JSON.stringify(status.body)).not.toContain(CLIPADOR_APP.clientId);
  });

  it('never polls a streamer that is neither managed nor subscribed to by an active user', async () => {
    const all = await cycle();
    expect(all.fetched).not.toContain(unmanaged.twitchUserId);
    const [row] = await api.dataSource.query(
      'SELECT last_clip_synced_at, last_live_check_at FROM streamers WHERE id = $1',
      [unmanaged.id],
    );
    expect(row).toEqual({ last_clip_synced_at: null, last_live_check_at: null });
  });
});
