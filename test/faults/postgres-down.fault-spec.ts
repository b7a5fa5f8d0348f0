import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { INGESTION_QUEUE, streamerJobId } from '../../src/ingestion/ingestion.jobs';
import { minutesAgo, simulatorEnv, syncAndWait } from '../support/ingestion';
import { startTestApp, TestApp } from '../support/test-app';
import { TwitchSimulator } from '../twitch-simulator/twitch-simulator';
import {
  accessToken,
  addBurstClips,
  clipsOf,
  eventually,
  heldTransactions,
  holdSyncsMidTransaction,
  insertStreamer,
  jobState,
  storedRows,
} from './support/scenario';
import { FaultRig } from './support/rig';
import { PrivatePostgres, PrivateRedis } from './support/servers';

/**
 * PostgreSQL goes down in the middle of a sync (stopped the hard way, as a crash is) and comes
 * back on the same port. The service is never restarted: its pool reconnects, readiness follows
 * the database, the interrupted jobs are retried, and no half-written sync survives.
 */
describe('PostgreSQL stopped during a sync', () => {
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
      env: {
        ...simulatorEnv(sim),
        CLIPADOR_ROLES: 'api,worker',
        CLIPADOR_REDIS_URL: redis.url,
      },
    });
    bearer = await accessToken(postgres);
  });

  afterAll(async () => {
    await app?.close();
    await rig?.stop();
  });

  it('fails and retries the interrupted jobs, keeps no partial rows, and answers 503 on /health/ready until it is back', async () => {
    const streamers = {
      '9001': await insertStreamer(postgres, '9001'),
      '9002': await insertStreamer(postgres, '9002'),
    };
    const clips = { '9001': addBurstClips(sim, '9001', 8), '9002': addBurstClips(sim, '9002', 60) };
    const lift = await holdSyncsMidTransaction(postgres, 30);
    await app.http().get('/health/ready').expect(200);

    const started = await app
      .http()
      .post('/ingestion/sync')
      .set('Authorization', bearer)
      .expect(202);
    const cycleId = (started.body as { job_id: string }).job_id;
    // Both syncs have written their clips and are inside their transactions.
    await eventually(
      'both syncs to be mid-transaction',
      async () => (await heldTransactions(postgres)).length === 2,
    );

    await postgres.halt('immediate');

    const askedAt = Date.now();
    const down = await app.http().get('/health/ready').expect(503);
    expect(Date.now() - askedAt).toBeLessThan(3_000);
    expect(down.body).toMatchObject({ statusCode: 503, code: 'not_ready' });
    expect(down.body.detail).toMatch(/database is down/);
    // Requests that need the database say so with a 503 (retry later), not a 500, and at once.
    for (const path of ['/streams', '/clips/bursts/recent', '/auth/me']) {
      const requestedAt = Date.now();
      const answer = await app.http().get(path).set('Authorization', bearer).expect(503);
      expect(Date.now() - requestedAt).toBeLessThan(3_000);
      expect(answer.body).toEqual({
        statusCode: 503,
        code: 'database_unavailable',
        detail: 'The database is unavailable; try again shortly',
      });
    }
    const queue = app.app.get<Queue>(getQueueToken(INGESTION_QUEUE));
    const jobIds = Object.values(streamers).map((id) => streamerJobId(cycleId, id));
    // Each failed attempt waits out its backoff before the retry.
    await eventually('both jobs to have failed and to wait for a retry', async () => {
      const states = await Promise.all(jobIds.map((id) => jobState(queue, id)));
      return states.every((state) => state === 'delayed');
    });

    await postgres.resume();
    await lift();
    // The crash rolled both transactions back: no clip without its burst, nothing half done.
    expect(await clipsOf(postgres, '9001')).toBe(0);
    expect(await clipsOf(postgres, '9002')).toBe(0);
    expect((await storedRows(postgres)).orphans).toEqual([]);
    // The same service, not restarted, is ready again.
    await eventually(
      '/health/ready to answer 200',
      async () => (await app.http().get('/health/ready')).status === 200,
    );

    await eventually(
      'the retried jobs to complete',
      async () => {
        const states = await Promise.all(jobIds.map((id) => jobState(queue, id)));
        return states.every((state) => state === 'completed');
      },
      30_000,
    );
    for (const id of jobIds) expect((await queue.getJob(id))?.attemptsMade).toBe(1);
    const retried = await storedRows(postgres);
    expect(retried.orphans).toEqual([]);
    expect(retried.clips.map((clip) => clip.clip_id).sort()).toEqual(
      [...clips['9001'], ...clips['9002']].sort(),
    );
    expect(retried.bursts.map((burst) => [burst.streamer, burst.members])).toEqual(
      expect.arrayContaining([
        ['9001', [...clips['9001'].slice(0, 3)].sort()],
        ['9002', [...clips['9002'].slice(0, 3)].sort()],
      ]),
    );
    expect(retried.bursts).toHaveLength(2);

    // The next cycle builds on it consistently: a clip Twitch indexed late (inside the re-read
    // margin) grows 9001's burst, and nothing is stored twice.
    const anchor = retried.bursts.find((burst) => burst.streamer === '9001')!;
    const late = sim.addClip({
      broadcaster_id: '9001',
      created_at: new Date(Date.parse(anchor.start_time) + 90_000),
    });
    const fresh = sim.addClip({ broadcaster_id: '9002', created_at: minutesAgo(2) });
    await syncAndWait(app, bearer);
    const next = await storedRows(postgres);
    expect(next.orphans).toEqual([]);
    expect(next.clips).toHaveLength(retried.clips.length + 2);
    expect(next.clips.map((clip) => clip.clip_id)).toEqual(
      expect.arrayContaining([late.id, fresh.id]),
    );
    expect(next.bursts).toHaveLength(2);
    expect(next.bursts.find((burst) => burst.streamer === '9001')).toMatchObject({
      anchor: anchor.anchor,
      clip_count: 4,
    });
  });
});
