import { loginAs, Session } from './support/factories';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

/**
 * PRODUCT §16's thresholds by monitor_mode, fed by live status through a real sync: the same
 * three-clip burst on a streamer live with 60,000 viewers (AUTOMATICO's minimum 4) and on one that
 * is offline (the subscription's minimum, 2). MANUAL takes manual_min_clips while live and
 * manual_min_clips_vod offline.
 */
describe('delivery thresholds by live status', () => {
  const LIVE = '5101';
  const OFFLINE = '5102';
  let sim: TwitchSimulator;
  let api: TestApp;
  let admin: Session;
  let automatico: Session;
  let manual: Session;
  const clips: Record<string, string[]> = {};

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    api = await startTestApp({ env: { ...simulatorEnv(sim), CLIPADOR_ROLES: 'api,worker' } });
    admin = await loginAs(api, 'admin');
    for (const [id, name] of [
      [LIVE, 'Live Streamer'],
      [OFFLINE, 'Offline Streamer'],
    ]) {
      await api
        .http()
        .post('/streams')
        .set('Authorization', admin.bearer)
        .send({ twitch_user_id: id, display_name: name, monitor_min_clips: 2 })
        .expect(201);
      const anchor = minutesAgo(5);
      clips[id] = [0, 20, 40].map(
        (seconds) =>
          sim.addClip({
            broadcaster_id: id,
            created_at: new Date(anchor.getTime() + seconds * 1000),
          }).id,
      );
    }
    sim.setLive(LIVE, { viewer_count: 60_000 }, minutesAgo(60));

    automatico = await loginAs(api, 'viewer');
    manual = await loginAs(api, 'viewer');
    for (const session of [automatico, manual]) {
      await api.dataSource.query('UPDATE users SET slots_base = 5 WHERE id = $1', [
        session.user.id,
      ]);
      for (const id of [LIVE, OFFLINE]) {
        await api
          .http()
          .post('/config/me/streamers')
          .set('Authorization', session.bearer)
          .send({ twitch_user_id: id })
          .expect(201);
      }
    }
    await api
      .http()
      .put('/config/me')
      .set('Authorization', manual.bearer)
      .send({ monitor_mode: 'MANUAL', manual_min_clips: 3, manual_min_clips_vod: 4 })
      .expect(200);
  });

  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  async function delivered(session: Session): Promise<Record<string, string[]>> {
    const rows: Array<{ twitch_user_id: string; clip_external_id: string }> =
      await api.dataSource.query(
        `SELECT s.twitch_user_id, d.clip_external_id FROM clip_deliveries d
         JOIN streamers s ON s.id = d.streamer_id WHERE d.user_id = $1
         ORDER BY d.clip_external_id`,
        [session.user.id],
      );
    const byStreamer: Record<string, string[]> = { [LIVE]: [], [OFFLINE]: [] };
    for (const row of rows) byStreamer[row.twitch_user_id].push(row.clip_external_id);
    return byStreamer;
  }

  it('applies the live minimum to a live streamer and the offline one to an offline streamer, and shows both states in /config/me', async () => {
    await syncAndWait(api, admin.bearer);
    const [live] = await api.dataSource.query(
      'SELECT is_live, live_viewer_count FROM streamers WHERE twitch_user_id = $1',
      [LIVE],
    );
    expect(live).toEqual({ is_live: true, live_viewer_count: 60_000 });

    // AUTOMATICO: 60,000 viewers → 4 clips needed live; offline the subscription's 2.
    expect(await delivered(automatico)).toEqual({
      [LIVE]: [],
      [OFFLINE]: [...clips[OFFLINE]].sort(),
    });
    // The Streams page shows each streamer's live state.
    const config = await api
      .http()
      .get('/config/me')
      .set('Authorization', automatico.bearer)
      .expect(200);
    const status = Object.fromEntries(
      (
        config.body as { streamers: Array<{ twitch_user_id: string; status: unknown }> }
      ).streamers.map((entry) => [entry.twitch_user_id, entry.status]),
    );
    expect(status).toEqual({
      [LIVE]: { status: 'online', last_seen: expect.any(String), last_notified: null },
      [OFFLINE]: { status: 'offline', last_seen: null, last_notified: null },
    });
    // MANUAL: manual_min_clips (3) live, manual_min_clips_vod (4) offline.
    expect(await delivered(manual)).toEqual({
      [LIVE]: [...clips[LIVE]].sort(),
      [OFFLINE]: [],
    });
  });
});
