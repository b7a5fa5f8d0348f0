import { CLIPADOR_APP, minutesAgo, simulatorEnv } from '../support/ingestion';
import { TwitchSimulator } from '../twitch-simulator/twitch-simulator';
import { insertStreamer } from './support/scenario';
import { FaultRig } from './support/rig';
import { PrivatePostgres, PrivateRedis } from './support/servers';
import { LogLine, ServiceProcess } from './support/service-process';

/**
 * Every line a job logs says which job, cycle and streamer it belongs to — the Twitch client's
 * retries and rate-limit waits included, though the client knows nothing of jobs. A real worker
 * process (its pino JSON on stdout) syncs against the simulator, which fails the fan-out's live
 * check once and a streamer's Get Clips twice (a 503, then a 429), so each kind of job logs
 * from deep inside the client.
 */

const STREAMERS = ['9301', '9302'];

describe('job log context', () => {
  let rig: FaultRig;
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let sim: TwitchSimulator;
  let streamerIds: number[];
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    rig = await FaultRig.start();
    ({ postgres, redis, sim } = rig);
    for (const streamer of STREAMERS) {
      sim.addClip({ broadcaster_id: streamer, created_at: minutesAgo(5) });
    }
    streamerIds = [];
    for (const streamer of STREAMERS) streamerIds.push(await insertStreamer(postgres, streamer));
  });

  afterEach(async () => {
    await service?.kill();
    service = undefined;
  });

  afterAll(async () => {
    await rig?.stop();
  });

  async function syncOnce(name: string, env: Record<string, string>): Promise<LogLine[]> {
    sim.clearFaults();
    sim.failNext({ status: 503, path: 'streams' });
    sim.failNext({ status: 503, path: 'clips' });
    sim.failNext({ status: 429, path: 'clips', resetInMs: 300 });
    const database = await postgres.createDatabase(name);
    service = await ServiceProcess.start({
      name,
      env: {
        ...simulatorEnv(sim),
        ...env,
        CLIPADOR_DATABASE_URL: database,
        CLIPADOR_ROLES: 'worker,scheduler',
        CLIPADOR_INGESTION_CONCURRENCY: '2',
      },
    });
    await service.waitForLog((line) => line.msg === 'ingestion_finished', 30_000);
    return service.logs();
  }

  function check(lines: LogLine[]): void {
    const fanOut = lines.find((line) => line.msg === 'ingestion_planned');
    expect(fanOut).toMatchObject({ jobId: expect.any(String), cycleId: expect.any(String) });
    const cycleId = fanOut!.cycleId;
    expect(fanOut).not.toHaveProperty('streamerId');

    // The fan-out's live check (GET /streams) was retried: that line is the fan-out job's.
    const liveRetry = lines.find(
      (line) => line.msg === 'twitch_retry' && line.what === 'GET /streams',
    );
    expect(liveRetry).toMatchObject({ jobId: fanOut!.jobId, cycleId });
    expect(liveRetry).not.toHaveProperty('streamerId');

    // The streamer syncs' Get Clips met a 503 and a 429: those lines name their sync.
    const clipRetry = lines.find(
      (line) => line.msg === 'twitch_retry' && line.what === 'GET /clips',
    );
    const rateLimited = lines.find((line) => line.msg === 'twitch_rate_limited');
    for (const line of [clipRetry, rateLimited]) {
      expect(line).toMatchObject({ cycleId, clientId: CLIPADOR_APP.clientId });
      expect(streamerIds).toContain(line!.streamerId);
      expect(line!.jobId).toBe(`${String(cycleId)}:streamer-${String(line!.streamerId)}`);
    }

    // Every line a streamer's sync logged carries its own ids, whatever the other sync did.
    const done = lines.filter((line) => line.msg === 'ingestion_streamer_done');
    expect(done.map((line) => line.streamerId).sort()).toEqual([...streamerIds].sort());
    for (const line of done) {
      expect(line).toMatchObject({
        cycleId,
        jobId: `${String(cycleId)}:streamer-${String(line.streamerId)}`,
      });
    }
    // Lines outside any job (start-up, the scheduler) carry none.
    const started = lines.find((line) => line.msg === 'clipador_started');
    expect(started).toBeDefined();
    expect(started).not.toHaveProperty('jobId');
  }

  it('on Bull (Redis): the fan-out, each streamer sync and their Twitch client lines', async () => {
    check(await syncOnce('log_context_bull', { CLIPADOR_REDIS_URL: redis.url }));
  });

  it('in-process (no Redis): the same fields from the in-process runner', async () => {
    check(await syncOnce('log_context_in_process', {}));
  });
});
