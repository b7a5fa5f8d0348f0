import { loginAs, Session } from '../support/factories';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from '../support/ingestion';
import { listenOnLoopback, SseClient } from '../support/sse';
import { startTestApp, TestApp } from '../support/test-app';
import { TwitchSimulator } from '../twitch-simulator/twitch-simulator';
import { eventually, insertStreamer, sleep } from './support/scenario';
import { PrivatePostgres, PrivateRedis } from './support/servers';

/**
 * Redis (the live feed's stream) is killed and comes back empty on the same port while SSE
 * clients are connected to an api process: their streams stay open through the outage
 * (heartbeats go on), the api's reader reconnects by itself, and the next burst the worker
 * commits reaches them on the same connections, with an id after the ones they had.
 */
describe('Redis restarted under live-feed clients', () => {
  const STREAMER = '9301';
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let sim: TwitchSimulator;
  let api: TestApp;
  let worker: TestApp;
  let admin: Session;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    [postgres, redis, sim] = await Promise.all([
      PrivatePostgres.start(),
      PrivateRedis.start(),
      TwitchSimulator.start({ rateLimit: null }),
    ]);
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    const env = {
      ...simulatorEnv(sim),
      CLIPADOR_REDIS_URL: redis.url,
      // One deployment: the api and the worker share their keys.
      CLIPADOR_REDIS_PREFIX: 'clipador-events-fault',
      CLIPADOR_EVENTS_HEARTBEAT_MS: '250',
    };
    api = await startTestApp({
      databaseUrl: postgres.url(),
      env: { ...env, CLIPADOR_ROLES: 'api' },
    });
    worker = await startTestApp({
      databaseUrl: postgres.url(),
      env: { ...env, CLIPADOR_ROLES: 'worker' },
    });
    admin = await loginAs(api, 'admin');
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await api?.close();
    await worker?.close();
    await sim?.close();
    await Promise.all([postgres?.destroy(), redis?.destroy()]);
  });

  function addBurst(minutes: number): void {
    const anchor = minutesAgo(minutes);
    for (const seconds of [0, 10, 20]) {
      sim.addClip({
        broadcaster_id: STREAMER,
        created_at: new Date(anchor.getTime() + seconds * 1000),
      });
    }
  }

  it('keeps the streams open through the outage and delivers the next burst on them', async () => {
    const streamerId = await insertStreamer(postgres, STREAMER, { windowSeconds: 60 });
    const viewer = await loginAs(api, 'viewer');
    await postgres.query('INSERT INTO user_streamers (user_id, streamer_id) VALUES ($1, $2)', [
      viewer.user.id,
      streamerId,
    ]);
    const base = await listenOnLoopback(api.app);
    const ticket = (
      await api.http().post('/events/ticket').set('Authorization', viewer.bearer).expect(201)
    ).body as { ticket: string };
    for (const options of [
      { headers: { authorization: admin.bearer } },
      { path: `/events?ticket=${ticket.ticket}` },
    ]) {
      const client = await SseClient.open(base, options);
      expect(client.status).toBe(200);
      clients.push(client);
    }

    addBurst(30);
    await syncAndWait(api, admin.bearer);
    for (const client of clients) await client.next('burst.created');
    const before = clients[0].events[0].id!;

    await redis.halt();
    const heartbeats = clients.map((client) => client.comments.length);
    await sleep(1_500);
    // Still open, still beating, while Redis is away.
    clients.forEach((client, index) => {
      expect(client.ended).toBe(false);
      expect(client.comments.length).toBeGreaterThan(heartbeats[index]);
    });

    await redis.resume();
    addBurst(10);
    await eventually(
      'a sync to be accepted again',
      async () =>
        (await api.http().post('/ingestion/sync').set('Authorization', admin.bearer)).status ===
        202,
      20_000,
      250,
    );
    for (const client of clients) {
      await client.waitFor(
        (c) => c.ofType('burst.created').length === 2,
        30_000,
        'the second burst',
      );
      expect(client.ended).toBe(false);
    }
    const after = clients[0].ofType('burst.created')[1].id!;
    const [beforeMs] = before.split('-').map(Number);
    const [afterMs] = after.split('-').map(Number);
    expect(afterMs).toBeGreaterThan(beforeMs);
    // Both clients got the same events, with the same ids.
    expect(clients[1].events.map((event) => event.id)).toEqual(
      clients[0].events.map((event) => event.id),
    );
  });
});
