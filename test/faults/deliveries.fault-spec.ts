import type { Queue } from 'bull';
import { simulatorEnv } from '../support/ingestion';
import { TwitchSimulator } from '../twitch-simulator/twitch-simulator';
import {
  addBurstClips,
  enqueueStreamerSync,
  eventually,
  heldTransactions,
  holdSyncsMidTransaction,
  ingestionQueue,
  insertStreamer,
  jobState,
} from './support/scenario';
import { FaultRig } from './support/rig';
import { PrivatePostgres, PrivateRedis } from './support/servers';
import { ServiceProcess } from './support/service-process';

/**
 * Deliveries (PRODUCT §13) are written in the sync's own transaction and keyed on
 * (user_id, clip_external_id): a worker SIGKILLed after writing them but before its commit leaves
 * nothing, the stalled job then writes each user's clips once; two workers syncing the same
 * streamer at once, and a re-run of the sync, never write a second row.
 */

const JOB_LOCK_MS = 3_000;

describe('deliveries under worker faults', () => {
  let rig: FaultRig;
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let sim: TwitchSimulator;
  const running: ServiceProcess[] = [];
  const queues: Queue[] = [];
  /** Subscribers that must get every burst clip, and one that must get nothing. */
  const SUBSCRIBERS = 3;

  beforeAll(async () => {
    rig = await FaultRig.start();
    ({ postgres, redis, sim } = rig);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((service) => service.kill()));
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
    sim.clearFaults();
  });

  afterAll(async () => {
    await rig?.stop();
  });

  async function start(name: string, env: Record<string, string>): Promise<ServiceProcess> {
    const service = await ServiceProcess.start({
      name,
      env: { ...simulatorEnv(sim), CLIPADOR_INGESTION_JOB_LOCK_MS: String(JOB_LOCK_MS), ...env },
    });
    running.push(service);
    return service;
  }

  /** A streamer with SUBSCRIBERS active subscribers and one canceled, in a database of its own. */
  async function scenario(database: string, twitchUserId: string, holdSeconds: number) {
    const url = await postgres.createDatabase(database);
    const streamerId = await insertStreamer(postgres, twitchUserId, { database });
    for (let i = 0; i <= SUBSCRIBERS; i++) {
      const [user] = await postgres.query<{ id: number }>(
        `INSERT INTO users (username, hashed_password, role, status)
         VALUES ($1, 'not-a-hash', 'viewer', $2) RETURNING id`,
        [`sub_${database}_${i}`, i === SUBSCRIBERS ? 'canceled' : 'active'],
        database,
      );
      await postgres.query(
        'INSERT INTO user_streamers (user_id, streamer_id) VALUES ($1, $2)',
        [user.id, streamerId],
        database,
      );
    }
    const clipIds = addBurstClips(sim, twitchUserId);
    // Each sync that writes deliveries then waits inside its transaction: the fault strikes
    // with the delivery rows written but not committed.
    const lift = await holdSyncsMidTransaction(postgres, holdSeconds, database);
    await postgres.query('DROP TRIGGER fault_hold ON bursts', [], database);
    await postgres.query(
      `CREATE TRIGGER fault_hold AFTER INSERT ON clip_deliveries
       FOR EACH STATEMENT EXECUTE FUNCTION fault_hold()`,
      [],
      database,
    );
    return { url, streamerId, burstClips: clipIds.slice(0, 3), lift };
  }

  /** Each user's delivered clip ids, by username; and the total number of rows. */
  async function deliveries(database: string) {
    const rows = await postgres.query<{ username: string; clips: string[] }>(
      `SELECT u.username, array_agg(d.clip_external_id ORDER BY d.clip_external_id) AS clips
       FROM clip_deliveries d JOIN users u ON u.id = d.user_id
       GROUP BY u.username ORDER BY u.username`,
      [],
      database,
    );
    const [{ n }] = await postgres.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM clip_deliveries',
      [],
      database,
    );
    return { byUser: rows, total: n };
  }

  function expected(database: string, burstClips: string[]) {
    return Array.from({ length: SUBSCRIBERS }, (_, i) => ({
      username: `sub_${database}_${i}`,
      clips: [...burstClips].sort(),
    }));
  }

  it('a worker SIGKILLed after writing deliveries, before its commit: the stalled job writes them once', async () => {
    const { url, streamerId, burstClips, lift } = await scenario('killed', '9101', 30);
    const env = {
      CLIPADOR_ROLES: 'worker',
      CLIPADOR_DATABASE_URL: url,
      CLIPADOR_REDIS_URL: redis.url,
      CLIPADOR_REDIS_PREFIX: 'deliveries-killed',
    };
    const queue = ingestionQueue(redis.url, 'deliveries-killed');
    queues.push(queue);
    const first = await start('deliveries-a', env);
    const job = await enqueueStreamerSync(queue, { cycleId: 'killed', streamerId });
    await eventually(
      'worker a to hold its deliveries uncommitted',
      async () => (await heldTransactions(postgres, 'killed')).length > 0,
    );
    await first.kill();
    await eventually(
      'the orphaned transaction to end',
      async () => (await heldTransactions(postgres, 'killed')).length === 0,
    );
    expect((await deliveries('killed')).total).toBe(0);
    await lift();

    await start('deliveries-b', env);
    await eventually(
      'worker b to run the stalled job',
      async () => (await jobState(queue, String(job.id))) === 'completed',
      30_000,
    );
    const after = await deliveries('killed');
    expect(after.byUser).toEqual(expected('killed', burstClips));
    expect(after.total).toBe(SUBSCRIBERS * burstClips.length);

    // The same streamer synced again (a new cycle): nothing more.
    const rerun = await enqueueStreamerSync(queue, { cycleId: 'rerun', streamerId });
    await eventually(
      'the re-run to complete',
      async () => (await jobState(queue, String(rerun.id))) === 'completed',
    );
    expect((await deliveries('killed')).total).toBe(SUBSCRIBERS * burstClips.length);
  });

  it('two workers syncing the same streamer at once write each delivery once', async () => {
    const { url, burstClips, lift } = await scenario('twins', '9102', 10);
    const env = { CLIPADOR_ROLES: 'worker,scheduler', CLIPADOR_DATABASE_URL: url };
    // In-process runners: each schedules a cycle of every streamer at start-up; nothing but the
    // database is shared, so both really sync the streamer.
    const twins = await Promise.all([start('twin-1', env), start('twin-2', env)]);
    await eventually(
      'one sync to hold its deliveries while the other waits on the streamer lock',
      async () => {
        const waiting = await postgres.query(
          `SELECT 1 FROM pg_stat_activity
           WHERE datname = 'twins' AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
        );
        return waiting.length > 0 && (await heldTransactions(postgres, 'twins')).length > 0;
      },
      20_000,
      20,
    );
    await lift();
    await Promise.all(
      twins.map((twin) => twin.waitForLog((line) => line.msg === 'ingestion_finished', 40_000)),
    );
    for (const twin of twins) {
      expect(twin.logs().filter((line) => line.msg === 'ingestion_streamer_done')).toHaveLength(1);
    }
    const after = await deliveries('twins');
    expect(after.byUser).toEqual(expected('twins', burstClips));
    expect(after.total).toBe(SUBSCRIBERS * burstClips.length);
  });
});
