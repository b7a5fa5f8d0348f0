import {
  eventually,
  enqueueStreamerSync,
  ingestionQueue,
  insertStreamer,
  jobState,
  sleep,
  storedRows,
} from './support/scenario';
import { ShutdownRig } from './support/shutdown-rig';

/**
 * SIGTERM to a worker: it stops taking jobs, finishes the sync it holds, or, when the sync cannot
 * finish within the grace (CLIPADOR_SHUTDOWN_TIMEOUT_MS less a reserve), interrupts it before its
 * transaction and hands the job back; then it closes its connections and exits 0 within 10 s.
 * With Bull and with the in-process runner. (The other roles: graceful-shutdown.fault-spec.ts.)
 */
describe('graceful shutdown of a worker on SIGTERM', () => {
  let rig: ShutdownRig;

  beforeAll(async () => {
    rig = await ShutdownRig.start(5000);
  });

  afterEach(async () => {
    await rig.endCase();
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('worker with Bull: finishes the job in hand, takes no new job, exits 0', async () => {
    const { database, url, prefix, twitchUserId } = await rig.newCase();
    const streamerId = await insertStreamer(rig.postgres, twitchUserId, { database });
    const queue = ingestionQueue(rig.redis.url, prefix);
    rig.track(queue);
    const worker = await rig.start('worker', {
      CLIPADOR_ROLES: 'worker',
      CLIPADOR_DATABASE_URL: url,
      CLIPADOR_REDIS_URL: rig.redis.url,
      CLIPADOR_REDIS_PREFIX: prefix,
    });
    const job = await enqueueStreamerSync(queue, { cycleId: 'held', streamerId });
    await eventually(
      'the worker to take the job',
      async () => (await jobState(queue, String(job.id))) === 'active',
    );

    const stopping = rig.terminateGracefully(worker);
    await sleep(200);
    const late = await enqueueStreamerSync(queue, { cycleId: 'late', streamerId });
    await stopping;

    expect(await jobState(queue, String(job.id))).toBe('completed');
    expect(await rig.clipCount(database, twitchUserId)).toBe(3);
    // The job enqueued after SIGTERM is left for another worker.
    expect(await jobState(queue, String(late.id))).toBe('waiting');
  });

  it('worker with Bull: hands a job it cannot finish in time back to the queue, and another worker completes it', async () => {
    const { database, url, prefix, twitchUserId } = await rig.newCase();
    const streamerId = await insertStreamer(rig.postgres, twitchUserId, { database });
    const queue = ingestionQueue(rig.redis.url, prefix);
    rig.track(queue);
    const env = {
      CLIPADOR_ROLES: 'worker',
      CLIPADOR_DATABASE_URL: url,
      CLIPADOR_REDIS_URL: rig.redis.url,
      CLIPADOR_REDIS_PREFIX: prefix,
      // Longer than the shutdown may take: only an interruption can end this request in time.
      CLIPADOR_TWITCH_TIMEOUT_MS: '60000',
    };
    const first = await rig.start('worker-1', env);
    // A worker that has been running knows the client id's rate bucket. (A first request, a
    // probe, left hanging would hold the whole bucket until its reservation expires.)
    const warmUp = await enqueueStreamerSync(queue, {
      cycleId: 'warm-up',
      streamerId: await insertStreamer(rig.postgres, `${twitchUserId}0`, { database }),
    });
    await eventually(
      'a first sync',
      async () => (await jobState(queue, String(warmUp.id))) === 'completed',
    );
    const hangsBefore = rig.sim.stats().totals.faultsInjected;
    rig.sim.hangNext({ path: 'clips', count: 1 });
    const job = await enqueueStreamerSync(queue, { cycleId: 'handed-back', streamerId });
    await eventually(
      'the worker to wait on a hung Twitch request',
      () => rig.sim.stats().totals.faultsInjected > hangsBefore,
    );

    await rig.terminateGracefully(first);

    expect(['waiting', 'delayed']).toContain(await jobState(queue, String(job.id)));
    expect(await rig.clipCount(database, twitchUserId)).toBe(0);

    const second = await rig.start('worker-2', env);
    await eventually(
      'another worker to complete the job',
      async () => (await jobState(queue, String(job.id))) === 'completed',
      30_000,
    );
    const rows = await storedRows(rig.postgres, database);
    expect(rows.orphans).toEqual([]);
    expect(rows.clips).toHaveLength(3);
    expect(rows.bursts).toHaveLength(1);
    await rig.terminateGracefully(second);
  });

  it('worker with the in-process runner: finishes the running sync, exits 0', async () => {
    const { database, url, twitchUserId } = await rig.newCase();
    await insertStreamer(rig.postgres, twitchUserId, { database });
    // The scheduler enqueues a cycle at start-up, which the in-process runner runs at once.
    const worker = await rig.start('worker-in-process', {
      CLIPADOR_ROLES: 'worker,scheduler',
      CLIPADOR_DATABASE_URL: url,
    });
    await worker.waitForLog((line) => line.msg === 'ingestion_started');
    await sleep(300);

    await rig.terminateGracefully(worker);

    expect(await rig.clipCount(database, twitchUserId)).toBe(3);
    expect(worker.logs().some((line) => line.msg === 'ingestion_streamer_done')).toBe(true);
  });

  it('worker with the in-process runner: interrupts a sync it cannot finish in time, stores nothing of it, exits 0', async () => {
    const { database, url, twitchUserId } = await rig.newCase();
    await insertStreamer(rig.postgres, twitchUserId, { database });
    const hangsBefore = rig.sim.stats().totals.faultsInjected;
    rig.sim.hangNext({ path: 'clips', count: 1 });
    const worker = await rig.start('worker-in-process-hung', {
      CLIPADOR_ROLES: 'worker,scheduler',
      CLIPADOR_DATABASE_URL: url,
      CLIPADOR_TWITCH_TIMEOUT_MS: '60000',
    });
    await eventually(
      'the worker to wait on a hung Twitch request',
      () => rig.sim.stats().totals.faultsInjected > hangsBefore,
    );

    await rig.terminateGracefully(worker);

    const rows = await storedRows(rig.postgres, database);
    expect(rows.clips).toEqual([]);
    expect(rows.orphans).toEqual([]);
    expect(worker.logs().some((line) => line.msg === 'ingestion_streamer_interrupted')).toBe(true);
  });

  it('worker with Bull while Redis is down: stops reconnecting and exits 0', async () => {
    const { url, prefix } = await rig.newCase();
    const worker = await rig.start('worker-redis-down', {
      CLIPADOR_ROLES: 'worker',
      CLIPADOR_DATABASE_URL: url,
      CLIPADOR_REDIS_URL: rig.redis.url,
      CLIPADOR_REDIS_PREFIX: prefix,
    });
    await rig.redis.halt();
    try {
      await worker.waitForLog((line) => line.msg === 'redis_error');

      await rig.terminateGracefully(worker);
    } finally {
      await rig.redis.resume();
    }
  });
});
