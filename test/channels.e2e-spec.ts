import { createStreamer, loginAs, Session } from './support/factories';
import { CLIPADOR_APP, simulatorEnv } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

interface ConfigJson {
  monitor_mode: string;
  partner_mode: string;
  slots_base: number;
  slots_total: number;
  slots_used: number;
  slots_remaining: number;
  streamers: Array<{
    id: number;
    streamer_id: number;
    twitch_user_id: string;
    display_name: string;
    avatar_url: string | null;
    order_index: number;
    label: string | null;
    monitor_interval_seconds: number;
    monitor_min_clips: number;
    active: boolean;
    status: unknown;
  }>;
  [key: string]: unknown;
}

/** PRODUCT §12: the dashboard's Streams page, against the real app and a simulated Twitch. */
describe('channels: /config/me', () => {
  let sim: TwitchSimulator;
  let api: TestApp;
  let admin: Session;

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    api = await startTestApp({ env: simulatorEnv(sim) });
    admin = await loginAs(api, 'admin');
  });

  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  const get = (session: Session) =>
    api.http().get('/config/me').set('Authorization', session.bearer);
  const attach = (session: Session, body: unknown) =>
    api
      .http()
      .post('/config/me/streamers')
      .set('Authorization', session.bearer)
      .send(body as object);

  async function setSlotsBase(userId: number, slots: number): Promise<void> {
    await api.dataSource.query('UPDATE users SET slots_base = $2 WHERE id = $1', [userId, slots]);
  }

  async function streamerRow(twitchUserId: string) {
    const rows: Array<Record<string, unknown>> = await api.dataSource.query(
      `SELECT id, display_name, avatar_url, monitor_interval_seconds, monitor_min_clips, api_mode,
              managed
       FROM streamers WHERE twitch_user_id = $1`,
      [twitchUserId],
    );
    return rows[0];
  }

  it('answers 401 without a token', async () => {
    await api.http().get('/config/me').expect(401);
    await api.http().post('/config/me/streamers').send({ twitch_user_id: '1' }).expect(401);
  });

  it('stores the defaults on the first GET, once, and answers the config object', async () => {
    const viewer = await loginAs(api, 'viewer');
    const first = await get(viewer).expect(200);
    expect(first.body).toEqual({
      monitor_mode: 'AUTOMATICO',
      partner_mode: 'somente_bot',
      clipador_chefe_username: null,
      manual_min_clips: null,
      manual_interval_seconds: null,
      manual_min_clips_vod: null,
      notify_online: true,
      public_share_enabled: false,
      public_description: null,
      slots_base: 1,
      slots_total: 1,
      slots_used: 0,
      slots_remaining: 1,
      streamers: [],
      // The notification channels of §17: none yet.
      notify_webhook_configured: false,
      notify_webhook_url: null,
      notify_discord_configured: false,
      notify_discord_webhook_url: null,
      notify_telegram_linked: false,
      notify_telegram_hint: null,
    });
    await Promise.all([get(viewer).expect(200), get(viewer).expect(200)]);
    const [{ n }] = await api.dataSource.query(
      'SELECT count(*)::int AS n FROM user_channel_configs WHERE user_id = $1',
      [viewer.user.id],
    );
    expect(n).toBe(1);
  });

  it("takes the dashboard's attach body, as the subscription's own settings", async () => {
    const viewer = await loginAs(api, 'viewer');
    await setSlotsBase(viewer.user.id, 3);
    const response = await attach(viewer, {
      twitch_user_id: '44445555',
      display_name: 'Gaules',
      avatar_url: 'https://static-cdn.jtvnw.net/gaules.png',
      monitor_interval_seconds: 60,
      monitor_min_clips: 4,
    }).expect(201);
    const body = response.body as ConfigJson;
    expect(body).toMatchObject({ slots_total: 3, slots_used: 1, slots_remaining: 2 });
    expect(body.streamers).toEqual([
      {
        id: expect.any(Number),
        streamer_id: expect.any(Number),
        twitch_user_id: '44445555',
        display_name: 'Gaules',
        avatar_url: 'https://static-cdn.jtvnw.net/gaules.png',
        order_index: 0,
        label: null,
        monitor_interval_seconds: 60,
        monitor_min_clips: 4,
        active: true,
        status: null,
      },
    ]);
    // A viewer's attach creates the streamer unmanaged, with the global defaults.
    expect(await streamerRow('44445555')).toMatchObject({
      display_name: 'Gaules',
      monitor_interval_seconds: 180,
      monitor_min_clips: 2,
      api_mode: 'clipador_only',
      managed: false,
    });
    const again = await get(viewer).expect(200);
    expect(again.body).toEqual(body);
  });

  it("never changes an existing streamer's global settings", async () => {
    const streamer = await createStreamer(api, {
      displayName: 'Original',
      monitorIntervalSeconds: 240,
      monitorMinClips: 3,
    });
    const viewer = await loginAs(api, 'viewer');
    const response = await attach(viewer, {
      twitch_user_id: streamer.twitchUserId,
      display_name: 'Renamed by a viewer',
      monitor_interval_seconds: 30,
      monitor_min_clips: 1,
    }).expect(201);
    expect((response.body as ConfigJson).streamers[0]).toMatchObject({
      streamer_id: streamer.id,
      display_name: 'Original',
      monitor_interval_seconds: 30,
      monitor_min_clips: 1,
    });
    expect(await streamerRow(streamer.twitchUserId)).toMatchObject({
      display_name: 'Original',
      monitor_interval_seconds: 240,
      monitor_min_clips: 3,
      managed: true,
    });
  });

  it("falls back to the streamer's interval and min when the body has none", async () => {
    const streamer = await createStreamer(api, { monitorIntervalSeconds: 150, monitorMinClips: 5 });
    const viewer = await loginAs(api, 'viewer');
    const response = await attach(viewer, { twitch_user_id: streamer.twitchUserId }).expect(201);
    expect((response.body as ConfigJson).streamers[0]).toMatchObject({
      monitor_interval_seconds: 150,
      monitor_min_clips: 5,
    });
  });

  it('resolves a login through Get Users, and answers 404 for one Twitch does not know', async () => {
    sim.addUser({ id: '777001', login: 'CasimiroTV', display_name: 'Casimiro' });
    const viewer = await loginAs(api, 'viewer');
    const response = await attach(viewer, { twitch_user_id: 'casimirotv' }).expect(201);
    expect((response.body as ConfigJson).streamers[0]).toMatchObject({
      twitch_user_id: '777001',
      display_name: 'Casimiro',
      avatar_url: expect.stringContaining('CasimiroTV') as string,
    });
    const missing = await attach(viewer, { twitch_user_id: 'nobody_here' }).expect(404);
    expect(missing.body).toEqual({
      statusCode: 404,
      code: 'twitch_streamer_not_found',
      detail: 'Streamer não encontrado na Twitch.',
    });
  });

  it('never answers a cached config after a commit that changed it, from any writer', async () => {
    const viewer = await loginAs(api, 'viewer');
    const streamer = await createStreamer(api, { displayName: 'Before' });
    await attach(viewer, { twitch_user_id: streamer.twitchUserId }).expect(201);
    const first = (await get(viewer).expect(200)).body as ConfigJson;
    expect(first.streamers[0].display_name).toBe('Before');
    // Served again unchanged…
    expect((await get(viewer).expect(200)).body).toEqual(first);
    // …until plain SQL changes what it shows: a streamer's name, the user's plan slots.
    await api.dataSource.query(`UPDATE streamers SET display_name = 'After' WHERE id = $1`, [
      streamer.id,
    ]);
    expect(((await get(viewer).expect(200)).body as ConfigJson).streamers[0].display_name).toBe(
      'After',
    );
    await setSlotsBase(viewer.user.id, 8);
    expect((await get(viewer).expect(200)).body).toMatchObject({ slots_base: 8, slots_total: 8 });
    await api.dataSource.query(
      `UPDATE user_channel_configs SET notify_online = false WHERE user_id = $1`,
      [viewer.user.id],
    );
    expect((await get(viewer).expect(200)).body).toMatchObject({ notify_online: false });
    await api.dataSource.query('DELETE FROM user_streamers WHERE user_id = $1', [viewer.user.id]);
    expect((await get(viewer).expect(200)).body).toMatchObject({ slots_used: 0, streamers: [] });
  });

  it('answers 409 for a streamer already attached and at the slot limit', async () => {
    const viewer = await loginAs(api, 'viewer');
    const one = await createStreamer(api);
    const two = await createStreamer(api);
    await attach(viewer, { twitch_user_id: one.twitchUserId }).expect(201);
    const duplicate = await attach(viewer, { twitch_user_id: one.twitchUserId }).expect(409);
    expect(duplicate.body).toEqual({
      statusCode: 409,
      code: 'streamer_already_attached',
      detail: 'Streamer já configurado.',
    });
    const full = await attach(viewer, { twitch_user_id: two.twitchUserId }).expect(409);
    expect(full.body).toEqual({
      statusCode: 409,
      code: 'slot_limit_reached',
      detail: 'Limite de slots atingido para o seu plano.',
    });
  });

  it('holds the slot limit under 20 concurrent attaches by one user', async () => {
    const viewer = await loginAs(api, 'viewer');
    await setSlotsBase(viewer.user.id, 3);
    const streamers = await Promise.all(Array.from({ length: 20 }, () => createStreamer(api)));
    const answers = await Promise.all(
      streamers.map((streamer) => attach(viewer, { twitch_user_id: streamer.twitchUserId })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(3);
    expect(statuses.filter((status) => status === 409)).toHaveLength(17);
    const [{ n }] = await api.dataSource.query(
      'SELECT count(*)::int AS n FROM user_streamers WHERE user_id = $1',
      [viewer.user.id],
    );
    expect(n).toBe(3);
  });

  it('gives one row for 20 concurrent attaches of the same streamer', async () => {
    const viewer = await loginAs(api, 'viewer');
    await setSlotsBase(viewer.user.id, 50);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        attach(viewer, { twitch_user_id: '99887766', display_name: 'Same' }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(19);
    const [{ n }] = await api.dataSource.query(
      `SELECT count(*)::int AS n FROM streamers WHERE twitch_user_id = '99887766'`,
    );
    expect(n).toBe(1);
  });

  it('lets only admins set api_mode and slots_configured', async () => {
    const viewer = await loginAs(api, 'viewer');
    const refused = await attach(viewer, {
      twitch_user_id: '5550001',
      display_name: 'X',
      api_mode: 'clipador_trial',
    }).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403, code: 'admin_only_field' });
    expect(await streamerRow('5550001')).toBeUndefined();
    const put = await api
      .http()
      .put('/config/me')
      .set('Authorization', viewer.bearer)
      .send({ slots_configured: 50 })
      .expect(403);
    expect(put.body).toMatchObject({ code: 'admin_only_field' });

    await attach(admin, {
      twitch_user_id: '5550002',
      display_name: 'Trial',
      api_mode: 'clipador_trial',
    }).expect(201);
    expect(await streamerRow('5550002')).toMatchObject({
      api_mode: 'clipador_trial',
      managed: true,
    });
    const raised = await api
      .http()
      .put('/config/me')
      .set('Authorization', admin.bearer)
      .send({ slots_configured: 12 })
      .expect(200);
    expect(raised.body).toMatchObject({ slots_total: 12, slots_used: 1, slots_remaining: 11 });
  });

  it('updates any subset of the config, normalises the modes and clears with null', async () => {
    const viewer = await loginAs(api, 'viewer');
    const put = (body: unknown) =>
      api
        .http()
        .put('/config/me')
        .set('Authorization', viewer.bearer)
        .send(body as object);
    const changed = await put({
      monitor_mode: 'manual',
      partner_mode: 'CHEFE_E_BOT',
      clipador_chefe_username: 'Chefe',
      manual_min_clips: 3,
      manual_interval_seconds: 90,
      manual_min_clips_vod: 5,
      notify_online: false,
      public_share_enabled: true,
      public_description: 'Meu canal',
    }).expect(200);
    expect(changed.body).toMatchObject({
      monitor_mode: 'MANUAL',
      partner_mode: 'chefe_e_bot',
      clipador_chefe_username: 'Chefe',
      manual_min_clips: 3,
      manual_interval_seconds: 90,
      manual_min_clips_vod: 5,
      notify_online: false,
      public_share_enabled: true,
      public_description: 'Meu canal',
    });
    const cleared = await put({ manual_min_clips: null, public_description: null }).expect(200);
    expect(cleared.body).toMatchObject({
      monitor_mode: 'MANUAL',
      manual_min_clips: null,
      manual_interval_seconds: 90,
      public_description: null,
    });
    await put({}).expect(200);
  });

  it.each([
    [{ monitor_mode: 'TURBO' }, ['monitor_mode']],
    [{ monitor_mode: null }, ['monitor_mode']],
    [{ partner_mode: 3 }, ['partner_mode']],
    [
      { manual_min_clips: 0, manual_interval_seconds: 601 },
      ['manual_min_clips', 'manual_interval_seconds'],
    ],
    [{ manual_min_clips_vod: '3' }, ['manual_min_clips_vod']],
    [{ notify_online: 'yes' }, ['notify_online']],
    [{ public_share_enabled: null }, ['public_share_enabled']],
    [{ clipador_chefe_username: 'x'.repeat(81) }, ['clipador_chefe_username']],
    [{ public_description: 'x'.repeat(2001) }, ['public_description']],
    [{ slots_configured: 1000 }, ['slots_configured']],
    [{ channel_slug: 'mine' }, ['channel_slug']],
  ])('PUT /config/me refuses bad input #%#', async (body, fields) => {
    const response = await api
      .http()
      .put('/config/me')
      .set('Authorization', admin.bearer)
      .send(body)
      .expect(400);
    const named = (response.body as { errors: Array<{ field: string }> }).errors.map(
      (e) => e.field,
    );
    expect(named.sort()).toEqual([...fields].sort());
  });

  it.each([
    [{}, ['twitch_user_id']],
    [{ twitch_user_id: 12345 }, ['twitch_user_id']],
    [{ twitch_user_id: 'ab' }, ['twitch_user_id']],
    [{ twitch_user_id: 'has space' }, ['twitch_user_id']],
    [{ twitch_user_id: '1', monitor_interval_seconds: 29 }, ['monitor_interval_seconds']],
    [{ twitch_user_id: '1', monitor_min_clips: 11 }, ['monitor_min_clips']],
    [{ twitch_user_id: '1', avatar_url: 'javascript:alert(1)' }, ['avatar_url']],
    [{ twitch_user_id: '1', display_name: 'x'.repeat(256) }, ['display_name']],
    [{ twitch_user_id: '1', label: 'x'.repeat(121) }, ['label']],
    [{ twitch_user_id: '1', api_mode: 'free' }, ['api_mode']],
    [{ twitch_user_id: '1', is_active: true }, ['is_active']],
  ])('POST /config/me/streamers refuses bad input #%#', async (body, fields) => {
    const response = await attach(admin, body).expect(400);
    const named = (response.body as { errors: Array<{ field: string }> }).errors.map(
      (e) => e.field,
    );
    expect(named.sort()).toEqual([...fields].sort());
  });

  it('detaches with 200 and the config as JSON, 404 when not attached', async () => {
    const viewer = await loginAs(api, 'viewer');
    await setSlotsBase(viewer.user.id, 5);
    const one = await createStreamer(api);
    const two = await createStreamer(api);
    await attach(viewer, { twitch_user_id: one.twitchUserId }).expect(201);
    await attach(viewer, { twitch_user_id: two.twitchUserId }).expect(201);
    const response = await api
      .http()
      .delete(`/config/me/streamers/${one.id}`)
      .set('Authorization', viewer.bearer)
      .expect(200)
      .expect('content-type', /application\/json/);
    expect((response.body as ConfigJson).streamers.map((s) => s.streamer_id)).toEqual([two.id]);
    expect(response.body).toMatchObject({ slots_used: 1, slots_remaining: 4 });
    const again = await api
      .http()
      .delete(`/config/me/streamers/${one.id}`)
      .set('Authorization', viewer.bearer)
      .expect(404);
    expect(again.body).toEqual({
      statusCode: 404,
      code: 'streamer_not_attached',
      detail: 'Streamer não configurado.',
    });
    await api
      .http()
      .delete('/config/me/streamers/abc')
      .set('Authorization', viewer.bearer)
      .expect(400);
    // The streamer itself stays.
    expect(await streamerRow(one.twitchUserId)).toBeDefined();
  });

  it('reorders by position, refuses ids not attached and leaves the order as it was', async () => {
    const viewer = await loginAs(api, 'viewer');
    await setSlotsBase(viewer.user.id, 2);
    const [a, b, c] = await Promise.all([
      createStreamer(api),
      createStreamer(api),
      createStreamer(api),
    ]);
    await api.dataSource.query('UPDATE users SET slots_base = 3 WHERE id = $1', [viewer.user.id]);
    for (const streamer of [a, b, c]) {
      await attach(viewer, { twitch_user_id: streamer.twitchUserId }).expect(201);
    }
    await setSlotsBase(viewer.user.id, 2);
    const reorder = (streamerIds: unknown) =>
      api
        .http()
        .post('/config/me/streamers/reorder')
        .set('Authorization', viewer.bearer)
        .send({ streamer_ids: streamerIds });
    const response = await reorder([c.id, a.id, b.id]).expect(200);
    const body = response.body as ConfigJson;
    expect(body.streamers.map((s) => [s.streamer_id, s.order_index, s.active])).toEqual([
      [c.id, 0, true],
      [a.id, 1, true],
      [b.id, 2, false],
    ]);
    const other = await createStreamer(api);
    const refused = await reorder([a.id, other.id]).expect(400);
    expect(refused.body).toMatchObject({
      errors: [{ field: 'streamer_ids', message: expect.stringContaining(String(other.id)) }],
    });
    const after = await get(viewer).expect(200);
    expect((after.body as ConfigJson).streamers.map((s) => s.streamer_id)).toEqual([
      c.id,
      a.id,
      b.id,
    ]);
    for (const bad of [[], [a.id, a.id], ['1'], [0], null, 'x']) {
      await reorder(bad).expect(400);
    }
  });
});
