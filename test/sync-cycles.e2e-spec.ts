import { setTimeout as sleep } from 'node:timers/promises';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { INGESTION_QUEUE, SyncStreamerJob } from '../src/ingestion/ingestion.jobs';
import { InProcessJobQueue } from '../src/ingestion/in-process-job-queue';
import { JobQueue } from '../src/ingestion/job-queue';
import { IngestionStatusService } from '../src/ingestion/ingestion-status.service';
import { IngestionScheduler } from '../src/ingestion/ingestion.scheduler';
import { TEST_REDIS_URL } from './support/databases';
import { createStreamer, loginAs, Session, TestStreamer } from './support/factories';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

const INTERVAL_SECONDS = 60;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/**
 * PRODUCT §16's scheduling rules, on the simulator, with both runners: at most one pending job
 * per streamer, a cycle never stacks on an unfinished one, a manual sync joins the running cycle
 * unless forced, and a failed job does not keep its streamer out of the next cycle.
 */
describe.each([
  ['in-process runner (no Redis)', {}],
  ['Bull on Redis', { CLIPADOR_REDIS_URL: TEST_REDIS_URL }],
])('sync cycles with the %s', (name, queueEnv: Record<string, string>) => {
  const bull = name.startsWith('Bull');
  let sim: TwitchSimulator;
  let api: TestApp;
  let admin: Session;
  let streamers: TestStreamer[];

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    api = await startTestApp({
      env: {
        ...simulatorEnv(sim),
        ...queueEnv,
        // The scheduler's own first tick runs a cycle at start-up; the test calls its tick too.
        CLIPADOR_ROLES: 'api,worker,scheduler',
        CLIPADOR_INGESTION_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
        CLIPADOR_INGESTION_CONCURRENCY: '2',
        CLIPADOR_TWITCH_TIMEOUT_MS: '5000',
      },
    });
    admin = await loginAs(api, 'admin');
    streamers = [];
    for (let i = 0; i < 8; i++) streamers.push(await createStreamer(api));
    // The start-up cycle (no streamers yet, or some) is over before each test begins.
    await syncAndWait(api, admin.bearer);
  });

  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  function clipRequestsPerStreamer(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const request of sim.requests('clips')) {
      const id = request.broadcasterId ?? '';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** Until no cycle runs any more and no job is left (a forced cycle is not the current one). */
  async function idle(): Promise<void> {
    const status = api.app.get(IngestionStatusService);
    await until('no cycle to be running', async () => (await status.currentCycle()) === undefined);
    if (bull) await until('no job to be left', async () => (await pendingPerStreamer()).size === 0);
    else await api.app.get<JobQueue, InProcessJobQueue>(JobQueue).drain();
  }

  /** Jobs not finished yet, per streamer (Bull only: the in-process runner has no inspection). */
  async function pendingPerStreamer(): Promise<Map<number, number>> {
    const queue = api.app.get<Queue<SyncStreamerJob>>(getQueueToken(INGESTION_QUEUE));
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'paused']);
    const counts = new Map<number, number>();
    for (const job of jobs) {
      if (job) counts.set(job.data.streamerId, (counts.get(job.data.streamerId) ?? 0) + 1);
    }
    return counts;
  }

  it('never stacks a cycle on an unfinished one, nor queues a streamer twice, over many slots', async () => {
    sim.resetStats();
    // Slow answers: the cycle is still running while the next slots come.
    sim.setLatency(150);
    const scheduler = api.app.get(IngestionScheduler);
    const first = Date.now();
    const samples: Map<number, number>[] = [];
    for (let slot = 1; slot <= 12; slot++) {
      await scheduler.tick(new Date(first + slot * INTERVAL_SECONDS * 1000));
      if (bull) samples.push(await pendingPerStreamer());
      await sleep(60);
    }
    // A forced cycle in the middle of it all: streamers with a job pending keep that one.
    await api
      .http()
      .post('/ingestion/sync')
      .set('Authorization', admin.bearer)
      .send({ force: true })
      .expect(202);
    if (bull) samples.push(await pendingPerStreamer());
    await idle();
    sim.setLatency(0);

    for (const sample of samples) {
      for (const count of sample.values()) expect(count).toBe(1);
      expect(sample.size).toBeLessThanOrEqual(streamers.length);
    }
    if (bull) expect(samples.some((sample) => sample.size > 0)).toBe(true);
    // Twelve slots came, one cycle ran (then, at most, the forced one for what was done).
    const perStreamer = clipRequestsPerStreamer();
    expect([...perStreamer.keys()].sort()).toEqual(streamers.map((s) => s.twitchUserId).sort());
    for (const count of perStreamer.values()) expect(count).toBeLessThanOrEqual(2);
  });

  it('joins the running cycle on POST /ingestion/sync, and starts another with force', async () => {
    sim.resetStats();
    sim.setLatency(200);
    const started = await api
      .http()
      .post('/ingestion/sync')
      .set('Authorization', admin.bearer)
      .expect(202);
    const joined = await api
      .http()
      .post('/ingestion/sync')
      .set('Authorization', admin.bearer)
      .send({})
      .expect(202);
    expect(joined.body).toEqual({ job_id: started.body.job_id });
    const forced = await api
      .http()
      .post('/ingestion/sync')
      .set('Authorization', admin.bearer)
      .send({ force: true })
      .expect(202);
    expect(forced.body.job_id).not.toBe(started.body.job_id);
    expect(forced.body.job_id).toMatch(/^forced-/);
    await until('both cycles to finish', async () => {
      const again = await api.http().post('/ingestion/sync').set('Authorization', admin.bearer);
      // A request that no longer joins started a new cycle: the earlier ones were over.
      return ![started.body.job_id, forced.body.job_id].includes(again.body.job_id);
    });
    sim.setLatency(0);
    await idle();
    // Joining fetched nothing twice: the first cycle, plus the forced one for streamers that had
    // no job pending, plus the last request's new cycle.
    for (const count of clipRequestsPerStreamer().values()) expect(count).toBeLessThanOrEqual(3);
  });

  it("never makes a forced cycle the current one: later requests do not join it, coverage stays the schedule's", async () => {
    const status = api.app.get(IngestionStatusService);
    await idle();
    const before = await status.coverage();
    expect(before.plannedAt).not.toBeNull();
    const lastSyncBefore = (await status.workerHealth()).lastSyncAt!.getTime();
    sim.setLatency(200);
    const forced = await api
      .http()
      .post('/ingestion/sync')
      .set('Authorization', admin.bearer)
      .send({ force: true })
      .expect(202);
    expect(forced.body.job_id).toMatch(/^forced-/);
    // Nothing else runs, and still the forced cycle is not current: a request starts its own.
    expect(await status.currentCycle()).toBeUndefined();
    const report = await api
      .http()
      .get('/ingestion/status')
      .set('Authorization', admin.bearer)
      .expect(200);
    expect(report.body.running_cycle).toBeNull();
    await until(
      'the forced cycle to finish',
      async () => (await status.workerHealth()).lastSyncAt!.getTime() > lastSyncBefore,
    );
    sim.setLatency(0);
    await idle();
    // It synced (liveness moved) but the plan and the last cycle shown are still the schedule's.
    const after = await status.coverage();
    expect(after.plannedAt).toBe(before.plannedAt);
    expect(after.lastCycle).toEqual(before.lastCycle);

    const next = await api.http().post('/ingestion/sync').set('Authorization', admin.bearer);
    expect(next.body.job_id).toMatch(/^manual-/);
    await idle();
    expect((await status.coverage()).plannedAt).not.toBe(before.plannedAt);
  });

  it('rejects a force that is not a boolean, and unknown fields', async () => {
    const bad = await api
      .http()
      .post('/ingestion/sync')
      .set('Authorization', admin.bearer)
      .send({ force: 'yes', now: 1 })
      .expect(400);
    expect(bad.body.code).toBe('validation_failed');
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'force',
      'now',
    ]);
  });

  it('syncs a streamer, fails it, then syncs it again, in three cycles in a row', async () => {
    const streamer = streamers[0];
    const statusOf = async () =>
      (
        await api.dataSource.query('SELECT last_sync_status FROM streamers WHERE id = $1', [
          streamer.id,
        ])
      )[0].last_sync_status as string;
    const storedClips = async () =>
      (
        await api.dataSource.query('SELECT count(*)::int AS n FROM clips WHERE streamer_id = $1', [
          streamer.id,
        ])
      )[0].n as number;

    sim.addClip({ broadcaster_id: streamer.twitchUserId, created_at: minutesAgo(3) });
    await syncAndWait(api, admin.bearer);
    expect(await statusOf()).toBe('ok');
    expect(await storedClips()).toBe(1);

    // Every attempt of this streamer's job fails (3 attempts, each with its Twitch retries).
    sim.addClip({ broadcaster_id: streamer.twitchUserId, created_at: minutesAgo(2) });
    sim.failBroadcaster(streamer.twitchUserId, 500);
    await syncAndWait(api, admin.bearer, 60_000);
    expect(await statusOf()).toBe('failed');
    expect(await storedClips()).toBe(1);

    sim.failBroadcaster(streamer.twitchUserId, undefined);
    await syncAndWait(api, admin.bearer);
    expect(await statusOf()).toBe('ok');
    expect(await storedClips()).toBe(2);
  }, 90_000);
});
