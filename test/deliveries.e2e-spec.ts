import { loginAs, Session } from './support/factories';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

interface HistoryJson {
  items: Array<{
    clip_external_id: string;
    delivered_at: string;
    streamer_display_name: string;
    streamer_twitch_id: string;
    viewer_count: number;
    clip_title: string | null;
  }>;
  next_before: string | null;
}

/**
 * PRODUCT §13 end to end: a real sync on the Twitch simulator, deliveries written in its
 * transaction, read back through GET /config/me/history.
 */
describe('deliveries through a real sync', () => {
  const BROADCASTER = '3001';
  let sim: TwitchSimulator;
  let api: TestApp;
  let admin: Session;
  let streamerId: number;
  const users: Record<string, Session> = {};
  const anchorAt = minutesAgo(5);
  const at = (seconds: number) => new Date(anchorAt.getTime() + seconds * 1000);

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    api = await startTestApp({ env: { ...simulatorEnv(sim), CLIPADOR_ROLES: 'api,worker' } });
    admin = await loginAs(api, 'admin');
    const created = await api
      .http()
      .post('/streams')
      .set('Authorization', admin.bearer)
      .send({
        twitch_user_id: BROADCASTER,
        display_name: 'Delivery Streamer',
        monitor_interval_seconds: 120,
        monitor_min_clips: 2,
      })
      .expect(201);
    streamerId = (created.body as { id: number }).id;

    const other = await api
      .http()
      .post('/streams')
      .set('Authorization', admin.bearer)
      .send({ twitch_user_id: '3002', display_name: 'Other' })
      .expect(201);
    const otherId = (other.body as { id: number }).id;

    for (const name of [
      'plain',
      'canceled',
      'expired',
      'overSlots',
      'strict',
      'chefeOnly',
      'chefeAndBot',
      'manual',
      'trial',
    ]) {
      users[name] = await loginAs(api, 'viewer');
    }
    const sql = (text: string, params: unknown[]) => api.dataSource.query(text, params);
    const attach = (session: Session, body: Record<string, unknown>) =>
      api
        .http()
        .post('/config/me/streamers')
        .set('Authorization', session.bearer)
        .send(body)
        .expect(201);
    const put = (session: Session, body: Record<string, unknown>) =>
      api.http().put('/config/me').set('Authorization', session.bearer).send(body).expect(200);

    for (const name of Object.keys(users)) {
      if (name === 'overSlots') continue;
      await attach(users[name], {
        twitch_user_id: BROADCASTER,
        monitor_min_clips: name === 'strict' ? 4 : undefined,
      });
    }
    // Over slots: one slot, and the streamer is its second subscription by order.
    await attach(users.overSlots, { twitch_user_id: '3002' });
    await sql('UPDATE users SET slots_base = 2 WHERE id = $1', [users.overSlots.user.id]);
    await attach(users.overSlots, { twitch_user_id: BROADCASTER });
    await sql('UPDATE users SET slots_base = 1 WHERE id = $1', [users.overSlots.user.id]);
    expect(otherId).toBeGreaterThan(0);

    await sql(`UPDATE users SET status = 'canceled' WHERE id = $1`, [users.canceled.user.id]);
    await sql(`UPDATE users SET plan_expires_at = now() - interval '1 day' WHERE id = $1`, [
      users.expired.user.id,
    ]);
    await sql(
      `UPDATE users SET status = 'trial', plan_expires_at = now() + interval '1 day'
               WHERE id = $1`,
      [users.trial.user.id],
    );
    await put(users.chefeOnly, {
      partner_mode: 'somente_chefe',
      clipador_chefe_username: 'ChefeBot',
    });
    await put(users.chefeAndBot, {
      partner_mode: 'chefe_e_bot',
      clipador_chefe_username: 'chefebot',
    });
    // MANUAL offline: manual_min_clips_vod applies (5 > the 3 clips of the first burst).
    await put(users.manual, {
      monitor_mode: 'MANUAL',
      manual_min_clips: 1,
      manual_min_clips_vod: 5,
    });
  });

  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  async function delivered(name: string): Promise<string[]> {
    const rows: Array<{ clip_external_id: string }> = await api.dataSource.query(
      'SELECT clip_external_id FROM clip_deliveries WHERE user_id = $1 ORDER BY clip_external_id',
      [users[name].user.id],
    );
    return rows.map((row) => row.clip_external_id);
  }

  async function totalRows(): Promise<number> {
    const [{ n }] = await api.dataSource.query('SELECT count(*)::int AS n FROM clip_deliveries');
    return n;
  }

  const sorted = (ids: string[]) => [...ids].sort();
  let burstClips: string[] = [];
  let loneChefeClip = '';

  it('delivers a new burst whole to active subscribers within their slots and threshold', async () => {
    burstClips = [
      sim.addClip({ broadcaster_id: BROADCASTER, created_at: at(0), view_count: 11, title: 'A' }),
      sim.addClip({
        broadcaster_id: BROADCASTER,
        created_at: at(20),
        view_count: 12,
        creator_name: 'CHEFEBOT',
      }),
      sim.addClip({ broadcaster_id: BROADCASTER, created_at: at(40), view_count: 13 }),
    ].map((clip) => clip.id);
    // A clip by the chefe far from any burst.
    loneChefeClip = sim.addClip({
      broadcaster_id: BROADCASTER,
      created_at: at(-200),
      creator_name: 'ChefeBot',
    }).id;

    await syncAndWait(api, admin.bearer);

    expect(await delivered('plain')).toEqual(sorted(burstClips));
    expect(await delivered('trial')).toEqual(sorted(burstClips));
    expect(await delivered('canceled')).toEqual([]);
    expect(await delivered('expired')).toEqual([]);
    expect(await delivered('overSlots')).toEqual([]);
    expect(await delivered('strict')).toEqual([]);
    expect(await delivered('manual')).toEqual([]);
    // Partner modes: the chefe's clips on their own (burst or not); with the bot, the burst too.
    expect(await delivered('chefeOnly')).toEqual(sorted([burstClips[1], loneChefeClip]));
    expect(await delivered('chefeAndBot')).toEqual(sorted([...burstClips, loneChefeClip]));

    const [row] = await api.dataSource.query(
      `SELECT d.streamer_id, d.burst_id, d.burst_start, d.delivery_channel, d.extra_payload, c.id AS clip_row
       FROM clip_deliveries d JOIN clips c ON c.clip_id = d.clip_external_id
       WHERE d.user_id = $1 AND d.clip_external_id = $2`,
      [users.plain.user.id, burstClips[0]],
    );
    expect(row).toMatchObject({
      streamer_id: streamerId,
      burst_id: expect.any(Number),
      delivery_channel: 'web',
      extra_payload: {
        streamer_display_name: 'Delivery Streamer',
        streamer_external_id: BROADCASTER,
        clip_title: 'A',
        viewer_count: 11,
      },
    });
    expect(new Date(row.burst_start).getTime()).toBe(at(0).getTime());
  });

  it('writes nothing more when the same sync runs again', async () => {
    const before = await totalRows();
    await syncAndWait(api, admin.bearer);
    expect(await totalRows()).toBe(before);
  });

  it('delivers a grown burst whole to a user it now reaches, and only its new clip to the others', async () => {
    const fourth = sim.addClip({ broadcaster_id: BROADCASTER, created_at: at(60) }).id;
    await syncAndWait(api, admin.bearer);
    expect(await delivered('strict')).toEqual(sorted([...burstClips, fourth]));
    expect(await delivered('plain')).toEqual(sorted([...burstClips, fourth]));

    const [{ max }] = await api.dataSource.query(
      'SELECT max(id) AS max FROM clip_deliveries WHERE user_id = $1',
      [users.plain.user.id],
    );
    const fifth = sim.addClip({ broadcaster_id: BROADCASTER, created_at: at(80) }).id;
    await syncAndWait(api, admin.bearer);
    const rows: Array<{ clip_external_id: string }> = await api.dataSource.query(
      'SELECT clip_external_id FROM clip_deliveries WHERE user_id = $1 AND id > $2',
      [users.plain.user.id, max],
    );
    expect(rows.map((r) => r.clip_external_id)).toEqual([fifth]);
    // MANUAL offline needs manual_min_clips_vod = 5: reached now, delivered whole.
    expect(await delivered('manual')).toEqual(sorted([...burstClips, fourth, fifth]));
    expect(await delivered('canceled')).toEqual([]);
  });

  it('shows the deliveries in /config/me/history, newest first, page by page', async () => {
    const first = await api
      .http()
      .get('/config/me/history?limit=25')
      .set('Authorization', users.plain.bearer)
      .expect(200);
    const body = first.body as HistoryJson;
    expect(body.items).toHaveLength(5);
    expect(body.next_before).toBeNull();
    expect(body.items[0]).toEqual({
      clip_external_id: expect.any(String),
      delivered_at: expect.any(String),
      streamer_display_name: 'Delivery Streamer',
      streamer_twitch_id: BROADCASTER,
      viewer_count: expect.any(Number),
      clip_title: expect.anything(),
    });
    const times = body.items.map((item) => Date.parse(item.delivered_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/config/me/history?limit=2${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api.http().get(url).set('Authorization', users.plain.bearer).expect(200);
      const pageBody = page.body as HistoryJson;
      expect(pageBody.items.length).toBeLessThanOrEqual(2);
      seen.push(...pageBody.items.map((item) => item.clip_external_id));
      cursor = pageBody.next_before;
    } while (cursor);
    expect(seen).toEqual(body.items.map((item) => item.clip_external_id));

    const none = await api
      .http()
      .get('/config/me/history')
      .set('Authorization', users.canceled.bearer)
      .expect(200);
    expect(none.body).toEqual({ items: [], next_before: null });
  });

  it.each([
    ['limit=0'],
    ['limit=201'],
    ['limit=abc'],
    ['limit=1.5'],
    ['limit=-1'],
    ['before=yesterday'],
    ['before=2026-02-31T00:00:00Z,1'],
    ['before=2026-01-01T00:00:00Z,99999999999999999999'],
    ['offset=10'],
  ])('GET /config/me/history?%s answers 400', async (query) => {
    const response = await api
      .http()
      .get(`/config/me/history?${query}`)
      .set('Authorization', users.plain.bearer)
      .expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'validation_failed' });
  });

  it('follows its references as the old foreign keys did: CASCADE for users and streamers, SET NULL for bursts and clips', async () => {
    const count = async (where: string, params: unknown[]) => {
      const [{ n }] = await api.dataSource.query(
        `SELECT count(*)::int AS n FROM clip_deliveries WHERE ${where}`,
        params,
      );
      return n as number;
    };
    const plainId = users.plain.user.id;
    expect(await count('user_id = $1', [plainId])).toBeGreaterThan(0);
    await api.dataSource.query('DELETE FROM users WHERE id = $1', [users.canceled.user.id]);
    await api.dataSource.query('DELETE FROM users WHERE id = $1', [plainId]);
    expect(await count('user_id = $1', [plainId])).toBe(0);

    const [{ id: clipRow }] = await api.dataSource.query(
      'SELECT id FROM clips WHERE clip_id = $1',
      [loneChefeClip],
    );
    await api.dataSource.query('DELETE FROM clips WHERE id = $1', [clipRow]);
    expect(await count('clip_external_id = $1 AND clip_id IS NULL', [loneChefeClip])).toBe(2);

    const withBurst = await count('streamer_id = $1 AND burst_id IS NOT NULL', [streamerId]);
    expect(withBurst).toBeGreaterThan(0);
    await api.dataSource.query('DELETE FROM bursts WHERE streamer_id = $1', [streamerId]);
    expect(await count('streamer_id = $1 AND burst_id IS NOT NULL', [streamerId])).toBe(0);
    expect(await count('streamer_id = $1', [streamerId])).toBe(withBurst + 2);

    await api
      .http()
      .delete(`/streams/${streamerId}`)
      .set('Authorization', admin.bearer)
      .expect(204);
    expect(await count('streamer_id = $1', [streamerId])).toBe(0);
    expect(await totalRows()).toBe(0);
  });
});
