import { randomBytes } from 'node:crypto';
import { TEST_REDIS_URL } from './support/databases';
import { loginAs, Session } from './support/factories';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

/**
 * PRODUCT §1: one build, roles chosen per process. An API process and a separate worker process
 * share PostgreSQL and Redis (Bull); the API enqueues, only the worker ingests, and the API
 * serves what the worker stored.
 */
describe('an API process and a worker process sharing Redis', () => {
  let sim: TwitchSimulator;
  let api: TestApp;
  let worker: TestApp;
  let admin: Session;

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    const shared = {
      ...simulatorEnv(sim),
      CLIPADOR_REDIS_URL: TEST_REDIS_URL,
      CLIPADOR_REDIS_PREFIX: `clipador-test-${randomBytes(4).toString('hex')}`,
    };
    api = await startTestApp({ env: { ...shared, CLIPADOR_ROLES: 'api' } });
    worker = await startTestApp({
      databaseUrl: api.databaseUrl,
      env: { ...shared, CLIPADOR_ROLES: 'worker' },
    });
    admin = await loginAs(api, 'admin');
  });

  afterAll(async () => {
    await worker.close();
    await api.close();
    await sim.close();
  });

  it('has no live worker on /health/worker before the worker has synced', async () => {
    const response = await api.http().get('/health/worker').expect(503);
    expect(response.body).toMatchObject({
      status: 'error',
      code: 'worker_unhealthy',
      detail: 'No sync has finished yet',
    });
  });

  it('ingests on the worker what the API enqueued, and the API serves the bursts', async () => {
    await api
      .http()
      .post('/streams')
      .set('Authorization', admin.bearer)
      .send({ twitch_user_id: '3001', display_name: 'Split', monitor_interval_seconds: 120 })
      .expect(201);
    const clips = [0, 20, 40].map((seconds) =>
      sim.addClip({
        broadcaster_id: '3001',
        created_at: new Date(minutesAgo(5).getTime() + seconds * 1000),
      }),
    );

    await syncAndWait(api, admin.bearer);

    const response = await api
      .http()
      .get('/clips/bursts/recent')
      .set('Authorization', admin.bearer)
      .expect(200);
    expect(response.body.data).toHaveLength(1);
    expect(response.body.data[0].clipes.map((clip: { id: string }) => clip.id)).toEqual(
      clips.map((clip) => clip.id),
    );
    const health = await api.http().get('/health/worker').expect(200);
    expect(health.body.workers).toHaveLength(1);
  });
});
