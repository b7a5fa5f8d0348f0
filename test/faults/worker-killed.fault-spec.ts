import type { Queue } from 'bull';
import Redis from 'ioredis';
import { INGESTION_QUEUE } from '../../src/ingestion/ingestion.jobs';
import { simulatorEnv } from '../support/ingestion';
import { TwitchSimulator } from '../twitch-simulator/twitch-simulator';
import {
  addBurstClips,
  clipsOf,
  enqueueStreamerSync,
  eventually,
  heldTransactions,
  holdSyncsMidTransaction,
  ingestionQueue,
  insertStreamer,
  jobState,
  storedRows,
} from './support/scenario';
import { FaultRig } from './support/rig';
import { PrivatePostgres, PrivateRedis } from './support/servers';
import { ServiceProcess } from './support/service-process';

/**
 * A worker process killed with SIGKILL in the middle of a streamer's sync: Bull finds the job
 * stalled once its lock (CLIPADOR_INGESTION_JOB_LOCK_MS, 3 s here) expires, and another worker
 * runs it again. Nothing of the killed run may remain, and nothing may be stored twice.
 */

const JOB_LOCK_MS = 3_000;
const PREFIX = 'killed';

describe('a worker killed mid-job', () => {
  let rig: FaultRig;
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let sim: TwitchSimulator;
  let queue: Queue;
  let inspector: Redis;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    rig = await FaultRig.start();
    ({ postgres, redis, sim } = rig);
    queue = ingestionQueue(redis.url, PREFIX);
    inspector = redis.client();
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    sim.clearFaults();
  });

  afterAll(async () => {
    await queue?.close();
    inspector?.disconnect();
    await rig?.stop();
  });

  async function startWorker(name: string): Promise<ServiceProcess> {
    const worker = await ServiceProcess.start({
      name,
      env: {
        ...simulatorEnv(sim),
        CLIPADOR_ROLES: 'worker',
        CLIPADOR_DATABASE_URL: postgres.url(),
        CLIPADOR_REDIS_URL: redis.url,
        CLIPADOR_REDIS_PREFIX: PREFIX,
        CLIPADOR_INGESTION_JOB_LOCK_MS: String(JOB_LOCK_MS),
        // Only the kill ends a hung request.
        CLIPADOR_TWITCH_TIMEOUT_MS: '60000',
      },
    });
    workers.push(worker);
    return worker;
  }

  async function stalledCount(jobId: string): Promise<number> {
    return Number(
      await inspector.hget(`${PREFIX}:bull:${INGESTION_QUEUE}:${jobId}`, 'stalledCounter'),
    );
  }

  function syncedBy(worker: ServiceProcess, streamerId: number): boolean {
    return worker
      .logs()
      .some((line) => line.msg === 'ingestion_streamer_done' && line.streamerId === streamerId);
  }

  it('runs the stalled job again when the worker dies waiting on Twitch, and stores its rows once', async () => {
    const first = await startWorker('worker-a');
    // A worker that has been running knows the client id's rate bucket (see graceful-shutdown).
    const warmUp = await enqueueStreamerSync(queue, {
      cycleId: 'warm-up',
      streamerId: await insertStreamer(postgres, '7000'),
    });
    await eventually(
      'a first sync',
      async () => (await jobState(queue, String(warmUp.id))) === 'completed',
    );

    const streamerId = await insertStreamer(postgres, '7001');
    const clipIds = addBurstClips(sim, '7001');
    const hangsBefore = sim.stats().totals.faultsInjected;
    sim.hangNext({ path: 'clips', count: 1 });
    const job = await enqueueStreamerSync(queue, { cycleId: 'killed-on-twitch', streamerId });
    await eventually(
      'worker a to wait on Twitch',
      () => sim.stats().totals.faultsInjected > hangsBefore,
    );
    // Started now, so that the job can only be worker a's.
    const second = await startWorker('worker-b');

    await first.kill();

    await eventually(
      'worker b to run the stalled job',
      async () => (await jobState(queue, String(job.id))) === 'completed',
      30_000,
    );
    expect(syncedBy(second, streamerId)).toBe(true);
    expect(syncedBy(first, streamerId)).toBe(false);
    // Found stalled (at least once: a loaded machine may delay a lock renewal of worker b too).
    expect(await stalledCount(String(job.id))).toBeGreaterThanOrEqual(1);
    const rows = await storedRows(postgres);
    expect(rows.orphans).toEqual([]);
    expect(
      rows.clips
        .filter((clip) => clip.streamer === '7001')
        .map((clip) => clip.clip_id)
        .sort(),
    ).toEqual([...clipIds].sort());
    expect(rows.bursts.filter((burst) => burst.streamer === '7001')).toEqual([
      expect.objectContaining({ clip_count: 3, members: [...clipIds.slice(0, 3)].sort() }),
    ]);
  });

  it('rolls back the transaction the worker died in, then the stalled job writes it whole, once', async () => {
    const streamerId = await insertStreamer(postgres, '7002');
    const clipIds = addBurstClips(sim, '7002');
    const lift = await holdSyncsMidTransaction(postgres, 30);
    const first = await startWorker('worker-c');
    const job = await enqueueStreamerSync(queue, { cycleId: 'killed-in-transaction', streamerId });
    await eventually(
      'worker c to be inside its transaction',
      async () => (await heldTransactions(postgres)).length > 0,
    );
    // Its clips are written but not committed: nobody else sees them.
    expect(await clipsOf(postgres, '7002')).toBe(0);

    await first.kill();
    // PostgreSQL notices the dead client and rolls its transaction back.
    await eventually(
      'the orphaned transaction to end',
      async () => (await heldTransactions(postgres)).length === 0,
    );
    await lift();
    expect(await clipsOf(postgres, '7002')).toBe(0);

    const second = await startWorker('worker-d');
    await eventually(
      'worker d to run the stalled job',
      async () => (await jobState(queue, String(job.id))) === 'completed',
      30_000,
    );
    expect(syncedBy(second, streamerId)).toBe(true);
    const rows = await storedRows(postgres);
    expect(rows.orphans).toEqual([]);
    expect(rows.clips.filter((clip) => clip.streamer === '7002')).toHaveLength(4);
    expect(rows.bursts.filter((burst) => burst.streamer === '7002')).toEqual([
      expect.objectContaining({ clip_count: 3, members: [...clipIds.slice(0, 3)].sort() }),
    ]);
  });
});
