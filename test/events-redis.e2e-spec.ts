import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from './support/databases';
import { loginAs, Session } from './support/factories';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from './support/ingestion';
import { listenOnLoopback, SseClients } from './support/sse';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

/**
 * The live feed across processes: two api processes and a worker share one database and one
 * Redis (the Redis Stream of PRODUCT §17). Every api process relays every event with the same
 * id, a ticket from one is good at the other, and only committed work is announced.
 */
describe('GET /events across api processes (Redis Stream)', () => {
  const S1 = '7201';
  const S2 = '7202';
  const prefix = `clipador-test-events-${randomBytes(4).toString('hex')}`;
  let sim: TwitchSimulator;
  let worker: TestApp;
  let api1: TestApp;
  let api2: TestApp;
  let base1: string;
  let base2: string;
  let admin: Session;
  let redis: Redis;
  const feeds = new SseClients();
  const connect = (base: string, headers: Record<string, string>, path?: string) =>
    feeds.open(base, headers, path);

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    const env = {
      ...simulatorEnv(sim),
      CLIPADOR_REDIS_URL: TEST_REDIS_URL,
      CLIPADOR_REDIS_PREFIX: prefix,
      CLIPADOR_EVENTS_SESSION_CHECK_MS: '200',
    };
    api1 = await startTestApp({ env });
    api2 = await startTestApp({ env, databaseUrl: api1.databaseUrl });
    worker = await startTestApp({
      env: { ...env, CLIPADOR_ROLES: 'worker' },
      databaseUrl: api1.databaseUrl,
    });
    base1 = await listenOnLoopback(api1.app);
    base2 = await listenOnLoopback(api2.app);
    redis = new Redis(TEST_REDIS_URL);
    admin = await loginAs(api1, 'admin');
    for (const id of [S1, S2]) {
      await api1
        .http()
        .post('/streams')
        .set('Authorization', admin.bearer)
        .send({ twitch_user_id: id, display_name: `Streamer ${id}`, monitor_min_clips: 2 })
        .expect(201);
    }
  });

  afterEach(() => feeds.closeAll());

  afterAll(async () => {
    await api1.close();
    await api2.close();
    await worker.close();
    await sim.close();
    await redis.del(`${prefix}:events`);
    redis.disconnect();
  });

  function burstClips(id: string, minutes: number): void {
    const anchor = minutesAgo(minutes);
    for (const seconds of [0, 15, 30]) {
      sim.addClip({ broadcaster_id: id, created_at: new Date(anchor.getTime() + seconds * 1000) });
    }
  }

  it('relays every event to the streams of both api processes with the same ids', async () => {
    const viewer = await loginAs(api1, 'viewer');
    await api1
      .http()
      .post('/config/me/streamers')
      .set('Authorization', viewer.bearer)
      .send({ twitch_user_id: S1 })
      .expect(201);
    const onApi1 = await connect(base1, { authorization: admin.bearer });
    const onApi2 = await connect(base2, { authorization: admin.bearer });
    const viewerOnApi2 = await connect(base2, { authorization: viewer.bearer });
    burstClips(S1, 20);
    burstClips(S2, 20);
    sim.setLive(S1, {}, minutesAgo(40));
    await syncAndWait(api1, admin.bearer);

    await onApi1.waitFor((c) => c.events.length === 3, 10_000, 'three events on api 1');
    await onApi2.waitFor((c) => c.events.length === 3, 10_000, 'three events on api 2');
    expect(onApi2.events).toEqual(onApi1.events);
    expect(onApi1.events.map((event) => event.event).sort()).toEqual([
      'burst.created',
      'burst.created',
      'streamer.online',
    ]);
    // The ids are the Redis Stream's.
    const stream = await redis.xrange(`${prefix}:events`, '-', '+');
    expect(onApi1.events.map((event) => event.id)).toEqual(stream.map(([id]) => id));
    // The viewer, on the other process, only S1's.
    await viewerOnApi2.waitFor((c) => c.events.length === 2);
    expect(viewerOnApi2.events.map((event) => event.id)).toEqual(
      onApi1.events
        .filter(
          (event) =>
            (JSON.parse(event.data) as { burst?: { streamer: { twitch_user_id: string } } }).burst
              ?.streamer.twitch_user_id !== S2,
        )
        .map((event) => event.id),
    );

    // A resume on the other process than the one that served the first event.
    const resumed = await connect(base2, {
      authorization: admin.bearer,
      'last-event-id': onApi1.events[0].id!,
    });
    await resumed.waitFor((c) => c.events.length === 2);
    expect(resumed.events).toEqual(onApi1.events.slice(1));
  });

  it('takes a ticket issued by one api process at the other, once', async () => {
    const issued = await api1
      .http()
      .post('/events/ticket')
      .set('Authorization', admin.bearer)
      .expect(201);
    const { ticket } = issued.body as { ticket: string };
    // Only its digest is kept in Redis, never the ticket.
    const keys = await redis.keys(`${prefix}:events-ticket:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(ticket);
    const client = await connect(base2, {}, `/events?ticket=${ticket}`);
    expect(client.status).toBe(200);
    expect((await connect(base1, {}, `/events?ticket=${ticket}`)).status).toBe(401);
  });

  it('says reset when the stream has trimmed events after Last-Event-ID', async () => {
    const key = `${prefix}:events`;
    const [[oldest]] = await redis.xrange(key, '-', '+', 'COUNT', 1);
    // What the retention trimming does, made to happen now: everything up to the newest goes.
    const [[newest]] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
    const [ms, seq] = newest.split('-').map(Number);
    await redis.xtrim(key, 'MINID', `${ms}-${seq + 1}`);
    const client = await connect(base1, { authorization: admin.bearer, 'last-event-id': oldest });
    const reset = await client.next('reset');
    expect(JSON.parse(reset.data)).toEqual({ reason: 'last_event_id_too_old' });
    expect(reset.id).toBe(newest);
    // From the newest trimmed one itself, nothing was missed: a resume, not a reset.
    const fromNewest = await connect(base1, {
      authorization: admin.bearer,
      'last-event-id': newest,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fromNewest.events).toEqual([]);
  });

  it('never announces a sync whose transaction rolled back', async () => {
    const stream = await connect(base1, { authorization: admin.bearer });
    // S1's next burst insert fails inside the sync's transaction; S2's commits.
    await api1.dataSource.query(`
      CREATE OR REPLACE FUNCTION events_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.streamer_id = (SELECT id FROM streamers WHERE twitch_user_id = '${S1}') THEN
          RAISE EXCEPTION 'refused by the test';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER events_test_refuse BEFORE INSERT ON bursts FOR EACH ROW
        EXECUTE FUNCTION events_test_refuse();`);
    try {
      burstClips(S1, 8);
      burstClips(S2, 8);
      await syncAndWait(api1, admin.bearer);
      const created = await stream.next('burst.created');
      expect(JSON.parse(created.data)).toMatchObject({
        burst: { streamer: { twitch_user_id: S2 } },
      });
      // S1's sync failed and rolled back: it has no new burst, and none was announced.
      const [{ n }] = await api1.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM bursts b JOIN streamers s ON s.id = b.streamer_id
         WHERE s.twitch_user_id = $1 AND b.start_time > now() - interval '10 minutes'`,
        [S1],
      );
      expect(n).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(stream.ofType('burst.created')).toHaveLength(1);
    } finally {
      await api1.dataSource.query('DROP TRIGGER events_test_refuse ON bursts');
    }
  });
});
