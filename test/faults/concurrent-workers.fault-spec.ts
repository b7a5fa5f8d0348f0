import type { Queue } from 'bull';
import { minutesAgo, simulatorEnv } from '../support/ingestion';
import { TwitchSimulator } from '../twitch-simulator/twitch-simulator';
import {
  enqueueStreamerSync,
  eventually,
  heldTransactions,
  holdSyncsMidTransaction,
  ingestionQueue,
  insertStreamer,
  jobState,
  StoredRows,
  storedRows,
} from './support/scenario';
import { FaultRig } from './support/rig';
import { PrivatePostgres, PrivateRedis } from './support/servers';
import { ServiceProcess } from './support/service-process';

/**
 * Two worker processes syncing the same streamer at the same time must leave exactly the rows one
 * worker alone writes. The reference is one worker syncing the same Twitch data into a database
 * of its own; the rows are compared by Twitch ids, surrogate ids aside.
 */

const STREAMERS = ['8001', '8002', '8003'];

describe('two workers syncing the same streamer at once', () => {
  let rig: FaultRig;
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let sim: TwitchSimulator;
  let reference: StoredRows;
  const running: ServiceProcess[] = [];
  const queues: Queue[] = [];

  beforeAll(async () => {
    // Both workers are fetching at the same time when their syncs start together.
    rig = await FaultRig.start({ simulator: { rateLimit: null, latencyMs: 200 } });
    ({ postgres, redis, sim } = rig);
    // 8001: one burst of three and a clip alone; 8002: two bursts; 8003: no burst.
    for (const [streamer, minutes] of [
      ['8001', [40, 39.5, 39, 30]],
      ['8002', [50, 49.9, 20, 19.5, 19.2]],
      ['8003', [45, 35, 25]],
    ] as const) {
      for (const [index, at] of minutes.entries()) {
        sim.addClip({
          broadcaster_id: streamer,
          created_at: minutesAgo(at),
          view_count: 10 * (index + 1),
        });
      }
    }
    // The streamers go into the template database, so every copy below has them.
    for (const streamer of STREAMERS) await insertStreamer(postgres, streamer);

    // The reference: one worker, alone.
    const url = await postgres.createDatabase('reference');
    const alone = await start('reference', {
      CLIPADOR_ROLES: 'worker,scheduler',
      CLIPADOR_DATABASE_URL: url,
    });
    await alone.waitForLog((line) => line.msg === 'ingestion_finished');
    await alone.terminate();
    reference = await storedRows(postgres, 'reference');
    expect(reference.orphans).toEqual([]);
    expect(reference.bursts).toHaveLength(3);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((service) => service.kill()));
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
  });

  afterAll(async () => {
    await rig?.stop();
  });

  async function start(name: string, env: Record<string, string>): Promise<ServiceProcess> {
    const service = await ServiceProcess.start({ name, env: { ...simulatorEnv(sim), ...env } });
    running.push(service);
    return service;
  }

  function only(rows: StoredRows, streamers: string[]): Omit<StoredRows, 'orphans'> {
    return {
      clips: rows.clips.filter((clip) => streamers.includes(clip.streamer)),
      bursts: rows.bursts.filter((burst) => streamers.includes(burst.streamer)),
    };
  }

  it('without Redis (two in-process runners): the database serialises the two syncs, and they write what one writes', async () => {
    const url = await postgres.createDatabase('twins_in_process');
    // Each sync that makes a burst waits inside its transaction, so the other worker's sync of
    // the same streamer arrives while it is open.
    const lift = await holdSyncsMidTransaction(postgres, 3, 'twins_in_process');
    const env = { CLIPADOR_ROLES: 'worker,scheduler', CLIPADOR_DATABASE_URL: url };
    // Each schedules a cycle of every streamer at start-up; nothing is shared but the database.
    const [first, second] = await Promise.all([start('twin-1', env), start('twin-2', env)]);

    await eventually(
      'one sync to wait for the other on the streamer lock',
      async () => {
        const waiting = await postgres.query(
          `SELECT 1 FROM pg_stat_activity
           WHERE datname = 'twins_in_process' AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
        );
        return (
          waiting.length > 0 && (await heldTransactions(postgres, 'twins_in_process')).length > 0
        );
      },
      15_000,
      20,
    );
    await Promise.all(
      [first, second].map((twin) =>
        twin.waitForLog((line) => line.msg === 'ingestion_finished', 30_000),
      ),
    );
    await lift();

    // Both really synced every streamer (neither skipped one).
    for (const twin of [first, second]) {
      const done = twin.logs().filter((line) => line.msg === 'ingestion_streamer_done');
      expect(done).toHaveLength(STREAMERS.length);
    }
    const rows = await storedRows(postgres, 'twins_in_process');
    expect(rows.orphans).toEqual([]);
    expect(only(rows, STREAMERS)).toEqual(only(reference, STREAMERS));
  });

  it('with Bull on one Redis: the second worker leaves the streamer to the first, and the rows are what one writes', async () => {
    const url = await postgres.createDatabase('twins_bull');
    const lift = await holdSyncsMidTransaction(postgres, 3, 'twins_bull');
    const env = {
      CLIPADOR_ROLES: 'worker',
      CLIPADOR_DATABASE_URL: url,
      CLIPADOR_REDIS_URL: redis.url,
      CLIPADOR_REDIS_PREFIX: 'twins',
      // One job at a time each: while the first worker holds a job, the next goes to the second.
      CLIPADOR_INGESTION_CONCURRENCY: '1',
    };
    const workers = await Promise.all([start('bull-1', env), start('bull-2', env)]);
    const queue = ingestionQueue(redis.url, 'twins');
    queues.push(queue);
    const [streamerId] = (
      await postgres.query<{ id: number }>(
        `SELECT id FROM streamers WHERE twitch_user_id = '8001'`,
        [],
        'twins_bull',
      )
    ).map((row) => row.id);

    // A scheduled cycle and a manual one, both with this streamer, at the same time.
    const scheduled = await enqueueStreamerSync(queue, { cycleId: 'scheduled', streamerId });
    await eventually(
      'the first sync to be inside its transaction',
      async () => (await heldTransactions(postgres, 'twins_bull')).length > 0,
    );
    const manual = await enqueueStreamerSync(queue, { cycleId: 'manual', streamerId });
    await eventually(
      'the second job to be settled',
      async () => (await jobState(queue, String(manual.id))) === 'completed',
    );
    await eventually(
      'the first job to be settled',
      async () => (await jobState(queue, String(scheduled.id))) === 'completed',
    );
    await lift();

    const outcomes = workers.flatMap((worker) =>
      worker
        .logs()
        .filter((line) => line.streamerId === streamerId)
        .filter(
          (line) => line.msg === 'ingestion_streamer_done' || line.msg === 'ingestion_skipped',
        )
        .map((line) => ({ worker: worker.name, outcome: line.msg })),
    );
    // One synced it; the other, finding it being synced, skipped it.
    expect(outcomes.map((entry) => entry.outcome).sort()).toEqual([
      'ingestion_skipped',
      'ingestion_streamer_done',
    ]);
    expect(new Set(outcomes.map((entry) => entry.worker)).size).toBe(2);
    const rows = await storedRows(postgres, 'twins_bull');
    expect(rows.orphans).toEqual([]);
    expect(only(rows, ['8001'])).toEqual(only(reference, ['8001']));
  });
});
