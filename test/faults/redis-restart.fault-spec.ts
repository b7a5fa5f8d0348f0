import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { INGESTION_CYCLE_QUEUE, JOB_SYNC_ALL } from '../../src/ingestion/ingestion.jobs';
import { minutesAgo, simulatorEnv, syncAndWait } from '../support/ingestion';
import { startTestApp, TestApp } from '../support/test-app';
import { TwitchSimulator } from '../twitch-simulator/twitch-simulator';
import {
  accessToken,
  addBurstClips,
  clipsOf,
  eventually,
  insertStreamer,
} from './support/scenario';
import { FaultRig } from './support/rig';
import { PrivatePostgres, PrivateRedis } from './support/servers';

/**
 * Redis goes away (killed: it keeps nothing on disk) and comes back empty on the same port. The
 * API keeps serving what does not need Redis, refuses what does quickly and clearly, and the
 * worker picks up again on its own.
 */
describe('Redis restarted', () => {
  let rig: FaultRig;
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let sim: TwitchSimulator;
  let app: TestApp;
  let bearer: string;

  beforeAll(async () => {
    rig = await FaultRig.start();
    ({ postgres, redis, sim } = rig);
    app = await startTestApp({
      databaseUrl: postgres.url(),
      env: { ...simulatorEnv(sim), CLIPADOR_ROLES: 'api,worker', CLIPADOR_REDIS_URL: redis.url },
    });
    bearer = await accessToken(postgres);
  });

  afterAll(async () => {
    await app?.close();
    await rig?.stop();
  });

  async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
    const started = Date.now();
    const result = await work();
    return { result, ms: Date.now() - started };
  }

  it('serves reads, refuses enqueues fast, reports the worker down, then recovers by itself', async () => {
    await insertStreamer(postgres, '9101');
    const clips = addBurstClips(sim, '9101', 8);
    await syncAndWait(app, bearer);
    await app.http().get('/health/worker').expect(200);
    const burstsBefore = await app
      .http()
      .get('/clips/bursts/recent?since_minutes=240')
      .set('Authorization', bearer)
      .expect(200);
    expect(burstsBefore.body.data).toHaveLength(1);

    await redis.halt();

    // Reads do not need Redis.
    for (const path of ['/clips/bursts/recent?since_minutes=240', '/streams', '/auth/me']) {
      const { result, ms } = await timed(() => app.http().get(path).set('Authorization', bearer));
      expect({ path, status: result.status }).toEqual({ path, status: 200 });
      expect(ms).toBeLessThan(2_000);
    }
    const bursts = await app
      .http()
      .get('/clips/bursts/recent?since_minutes=240')
      .set('Authorization', bearer)
      .expect(200);
    expect(bursts.body).toEqual(burstsBefore.body);

    // Enqueueing does: it is refused with a 503 within ~2 s, every time, never left hanging.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { result, ms } = await timed(() =>
        app.http().post('/ingestion/sync').set('Authorization', bearer),
      );
      expect(result.status).toBe(503);
      expect(result.body).toMatchObject({ statusCode: 503, code: 'queue_unavailable' });
      expect(ms).toBeLessThan(3_000);
    }
    const worker = await app.http().get('/health/worker').expect(503);
    expect(worker.body).toMatchObject({ status: 'error', code: 'worker_unhealthy' });
    const ready = await app.http().get('/health/ready').expect(503);
    expect(ready.body.detail).toMatch(/redis is down/);

    await redis.resume();

    // The worker reconnects on its own, and the next cycle runs.
    const fresh = sim.addClip({ broadcaster_id: '9101', created_at: minutesAgo(1) });
    const jobId = await eventually(
      'a sync to be accepted again',
      async () => {
        const answer = await app.http().post('/ingestion/sync').set('Authorization', bearer);
        return answer.status === 202 ? (answer.body as { job_id: string }).job_id : undefined;
      },
      20_000,
      250,
    );
    await eventually(
      'the cycle to store the new clip',
      async () => (await clipsOf(postgres, '9101')) === clips.length + 1,
      30_000,
    );
    expect(await postgres.query('SELECT 1 FROM clips WHERE clip_id = $1', [fresh.id])).toHaveLength(
      1,
    );
    await eventually(
      '/health/worker to answer 200',
      async () => (await app.http().get('/health/worker')).status === 200,
      30_000,
      250,
    );

    // The refused requests did not come back to life when Redis returned: the only sync jobs
    // Redis knows are the ones that were accepted.
    const queue = app.app.get<Queue>(getQueueToken(INGESTION_CYCLE_QUEUE));
    const syncJobs = (
      await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])
    ).filter((job) => job?.name === JOB_SYNC_ALL);
    expect(syncJobs.map((job) => String(job.id))).toEqual([jobId]);
  });
});
