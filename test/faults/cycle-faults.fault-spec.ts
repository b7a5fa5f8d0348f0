import type { Queue } from 'bull';
import { SyncStreamerJob } from '../../src/ingestion/ingestion.jobs';
import { IngestionStatusService } from '../../src/ingestion/ingestion-status.service';
import { CLIPADOR_APP, simulatorEnv } from '../support/ingestion';
import { startTestApp, TestApp } from '../support/test-app';
import { TwitchSimulator } from '../twitch-simulator/twitch-simulator';
import { accessToken, eventually, ingestionQueue, insertStreamer } from './support/scenario';
import { PrivatePostgres, PrivateRedis } from './support/servers';
import { ServiceProcess } from './support/service-process';

/**
 * PRODUCT §16's scheduling rules under faults: a worker SIGKILLed in the middle of a cycle, and
 * Redis restarted (empty) in the middle of one. Sampled all along, no streamer ever has more than
 * one job pending; afterwards no streamer is lost: every one is synced by a later cycle.
 */

const STREAMERS = 30;
const JOB_LOCK_MS = 3_000;
const LATENCY_MS = 150;

describe('sync cycles under faults', () => {
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let sim: TwitchSimulator;
  let api: TestApp;
  let bearer: string;
  let queue: Queue<SyncStreamerJob>;
  const twitchIds: string[] = [];
  const workers: ServiceProcess[] = [];
  let prefix = '';

  beforeAll(async () => {
    [postgres, redis, sim] = await Promise.all([
      PrivatePostgres.start(),
      PrivateRedis.start(),
      TwitchSimulator.start({ rateLimit: null }),
    ]);
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    await queue?.close();
    await api?.close();
    sim.setLatency(0);
  });

  afterAll(async () => {
    await sim?.close();
    await Promise.all([postgres?.destroy(), redis?.destroy()]);
  });

  /** A deployment of its own (Redis prefix, streamers): an api process here, workers apart. */
  async function deploy(name: string): Promise<void> {
    prefix = name;
    twitchIds.length = 0;
    for (let i = 0; i < STREAMERS; i++) {
      const twitchId = `${name === 'killed' ? 81 : 82}${String(i).padStart(3, '0')}`;
      await insertStreamer(postgres, twitchId);
      twitchIds.push(twitchId);
    }
    api = await startTestApp({
      databaseUrl: postgres.url(),
      env: {
        ...simulatorEnv(sim),
        CLIPADOR_ROLES: 'api',
        CLIPADOR_REDIS_URL: redis.url,
        CLIPADOR_REDIS_PREFIX: prefix,
        CLIPADOR_INGESTION_JOB_LOCK_MS: String(JOB_LOCK_MS),
      },
    });
    bearer = await accessToken(postgres);
    queue = ingestionQueue(redis.url, prefix) as Queue<SyncStreamerJob>;
  }

  async function startWorker(name: string): Promise<ServiceProcess> {
    const worker = await ServiceProcess.start({
      name,
      env: {
        ...simulatorEnv(sim),
        CLIPADOR_ROLES: 'worker',
        CLIPADOR_DATABASE_URL: postgres.url(),
        CLIPADOR_REDIS_URL: redis.url,
        CLIPADOR_REDIS_PREFIX: prefix,
        CLIPADOR_INGESTION_JOB_LOCK_MS: String(JOB_LOCK_MS),
        CLIPADOR_INGESTION_CONCURRENCY: '2',
        CLIPADOR_TWITCH_TIMEOUT_MS: '5000',
      },
    });
    workers.push(worker);
    return worker;
  }

  /**
   * Samples the streamer jobs not finished yet every 100 ms until stopped; answers the most one
   * streamer had at once, and the most jobs in all. A sample Redis cannot answer is skipped.
   */
  function samplePending(): { stop: () => Promise<{ perStreamer: number; total: number }> } {
    let running = true;
    let perStreamer = 0;
    let total = 0;
    const loop = (async () => {
      while (running) {
        try {
          const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'paused']);
          const counts = new Map<number, number>();
          for (const job of jobs) {
            if (job) counts.set(job.data.streamerId, (counts.get(job.data.streamerId) ?? 0) + 1);
          }
          perStreamer = Math.max(perStreamer, ...counts.values(), 0);
          total = Math.max(total, jobs.length);
        } catch {
          // Redis is away: nothing to count.
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return { perStreamer, total };
      },
    };
  }

  async function streamerCount(): Promise<number> {
    const [{ n }] = await postgres.query<{ n: number }>('SELECT count(*)::int AS n FROM streamers');
    return n;
  }

  async function requestSync(): Promise<string | undefined> {
    const answer = await api.http().post('/ingestion/sync').set('Authorization', bearer);
    return answer.status === 202 ? (answer.body as { job_id: string }).job_id : undefined;
  }

  /** Streamers whose clips were fetched (answered 200) after `since`. */
  function syncedSince(since: number): Set<string> {
    return new Set(
      sim
        .requests('clips')
        .filter((request) => request.at > since && request.status === 200)
        .map((request) => request.broadcasterId!),
    );
  }

  /**
   * Later cycles, requested whenever none runs (a refused request is asked again), until every
   * streamer has been synced since `since` and no cycle runs any more.
   */
  async function laterCycleSyncsEveryone(since: number): Promise<void> {
    const status = api.app.get(IngestionStatusService);
    await eventually(
      'every streamer to be synced again',
      async () => {
        const running = await status.currentCycle().catch(() => 'unknown');
        const everyone = twitchIds.every((id) => syncedSince(since).has(id));
        if (everyone && running === undefined) return true;
        if (running === undefined) await requestSync();
        return false;
      },
      90_000,
      250,
    );
  }

  it('a worker killed mid-cycle: its jobs run on another, none twice, no streamer lost', async () => {
    await deploy('killed');
    const first = await startWorker('cycle-worker-a');
    sim.setLatency(LATENCY_MS);
    const sampler = samplePending();
    const cycleId = await requestSync();
    expect(cycleId).toBeDefined();
    await eventually('a third of the cycle', () => syncedSince(0).size >= STREAMERS / 3);
    // Joins while it runs: the same cycle, nothing enqueued again.
    expect(await requestSync()).toBe(cycleId);

    await first.kill();
    const killedAt = Date.now();
    await startWorker('cycle-worker-b');
    // The killed worker's active jobs are found stalled (after their lock) and run by worker b.
    await eventually(
      'the cycle to finish on worker b',
      async () => (await api.app.get(IngestionStatusService).currentCycle()) === undefined,
      60_000,
      200,
    );
    await laterCycleSyncsEveryone(killedAt);
    const pending = await sampler.stop();
    expect(pending.perStreamer).toBe(1);
    expect(pending.total).toBeLessThanOrEqual(await streamerCount());
    const statuses = await postgres.query<{ status: string; n: number }>(
      `SELECT last_sync_status AS status, count(*)::int AS n FROM streamers
       WHERE twitch_user_id LIKE '81%' GROUP BY 1`,
    );
    expect(statuses).toEqual([{ status: 'ok', n: STREAMERS }]);
  }, 180_000);

  it('Redis restarted mid-cycle: the next cycle takes every streamer, each once', async () => {
    await deploy('restarted');
    await startWorker('cycle-worker-c');
    sim.setLatency(LATENCY_MS);
    const sampler = samplePending();
    expect(await requestSync()).toBeDefined();
    const restartFrom = Date.now();
    await eventually('a third of the cycle', () => syncedSince(restartFrom).size >= STREAMERS / 3);

    await redis.halt();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await redis.resume();
    const resumedAt = Date.now();

    // Redis came back empty: the cycle, its pending marks and its jobs are gone with it. The next
    // cycle enqueues every streamer again, the ones the lost cycle had left included.
    await laterCycleSyncsEveryone(resumedAt);
    // A few more cycles on top: one job per streamer whatever runs.
    for (let i = 0; i < 3; i++) {
      await requestSync();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await laterCycleSyncsEveryone(Date.now());
    const pending = await sampler.stop();
    expect(pending.perStreamer).toBe(1);
    // The first test's streamers are in this database too, and polled.
    expect(pending.total).toBeLessThanOrEqual(await streamerCount());
  }, 180_000);
});
