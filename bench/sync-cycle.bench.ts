/**
 * One forced sync cycle at scale (TARGETS: 10,000 streamers, 5% with new clips, 1% bursting,
 * against the simulator with no latency and no rate limit, ONE worker process: worker CPU
 * ≤ 2.5 ms per streamer, ≤ 400 MB RSS; wall time reported, not a target — it moves with the
 * machine's load).
 *
 * The built service as deployed at scale: an api process (used only to start the cycle, as an
 * admin's `POST /ingestion/sync {"force":true}` does: every streamer, none joined) and one worker
 * process, Bull on Redis, on a database of 10,000 active streamers last synced 3 minutes ago. In
 * the simulator, 4% of the streamers have one new clip and 1% have a burst (5 clips within a
 * minute); the others have none.
 *
 * Worker CPU is the worker process's user + system time over the cycle (from /proc), divided by
 * the streamers; wall time runs from the request to the last streamer job's outcome (the cycle's
 * end, as the worker records it); RSS is the worker's peak (VmHWM) over its whole life. The stored
 * clips and bursts are checked against what the simulator held.
 *
 * Run: npm run bench:sync   (CLIPADOR_BENCH_PROFILE=1 profiles the worker)
 */
import { TwitchSimulator } from '../test/twitch-simulator/twitch-simulator';
import { benchDatabaseName, dropDatabase } from './support/database';
import {
  BENCH_TWITCH_APP,
  countRows,
  prepareSyncDatabase,
  startDeployment,
  syncAndWait,
  waitForWorkers,
} from './support/ingestion';
import { BenchProfile } from './support/profile';
import { ensureBuilt } from './support/service';
import { BenchResult, log, printResult, result, round, runIfMain } from './support/stats';

const STREAMERS = Number(process.env.CLIPADOR_BENCH_SYNC_STREAMERS ?? 10_000);
const NEW_CLIP_SHARE = 0.04;
const BURSTING_SHARE = 0.01;
const BURST_CLIPS = 5;
const TARGET_CPU_MS_PER_STREAMER = 2.5;
const TARGET_RSS_MB = 400;

export async function main(): Promise<BenchResult[]> {
  ensureBuilt();
  const name = benchDatabaseName('sync');
  const { url, streamers } = await prepareSyncDatabase(name, STREAMERS);
  const sim = await TwitchSimulator.start({ rateLimit: null, latencyMs: 0 });
  sim.addApp(BENCH_TWITCH_APP.clientId, BENCH_TWITCH_APP.clientSecret);

  // Every 100th streamer bursts, every 25th (of the others) gets one clip: 1% and 4%.
  const now = Date.now();
  let expectedClips = 0;
  let expectedBursts = 0;
  streamers.forEach((streamer, index) => {
    if (index % 100 === 0) {
      for (let c = 0; c < BURST_CLIPS; c++) {
        sim.addClip({
          broadcaster_id: streamer.twitchUserId,
          created_at: new Date(now - 120_000 + c * 10_000),
        });
      }
      expectedClips += BURST_CLIPS;
      expectedBursts += 1;
    } else if (index % 25 === 1) {
      sim.addClip({ broadcaster_id: streamer.twitchUserId, created_at: new Date(now - 60_000) });
      expectedClips += 1;
    }
  });
  log(
    `sync cycle: ${STREAMERS} streamers, ${(NEW_CLIP_SHARE * 100).toFixed(0)}% with a new clip, ` +
      `${(BURSTING_SHARE * 100).toFixed(0)}% bursting (${expectedClips} clips, ${expectedBursts} bursts to find)`,
  );

  const profile = new BenchProfile('sync-cycle');
  const deployment = await startDeployment('sync-cycle', url, sim, 1, {}, profile.nodeArgs);
  let results: BenchResult[];
  try {
    await waitForWorkers(deployment.api.url!, 1);
    const worker = deployment.workers[0];
    const cpuBefore = worker.cpuMs();
    const { wallMs } = await syncAndWait(deployment, 180_000, true);
    const workerCpuMs = worker.cpuMs() - cpuBefore;
    const rssMb = round(worker.peakRssMb(), 0);
    const stored = await countRows(url);
    const helix = sim.stats().totals;
    log(
      `cycle finished in ${(wallMs / 1000).toFixed(1)} s: ${(STREAMERS / (wallMs / 1000)).toFixed(0)} ` +
        `streamers/s, ${helix.helixRequests} Helix requests, worker CPU ${(workerCpuMs / 1000).toFixed(1)} s ` +
        `(${((workerCpuMs * 1000) / STREAMERS).toFixed(0)} µs per streamer), peak RSS ${rssMb} MB; ` +
        `stored ${stored.clips} clips, ${stored.bursts} bursts`,
    );
    if (stored.clips !== expectedClips || stored.bursts !== expectedBursts) {
      throw new Error(
        `expected ${expectedClips} clips and ${expectedBursts} bursts, found ${stored.clips} and ${stored.bursts}`,
      );
    }
    const cpuPerStreamer = round(workerCpuMs / STREAMERS, 3);
    const detail =
      `${(wallMs / 1000).toFixed(1)} s wall, ${(STREAMERS / (wallMs / 1000)).toFixed(0)} ` +
      `streamers/s, worker CPU ${(workerCpuMs / 1000).toFixed(1)} s, peak RSS ${rssMb} MB`;
    results = [
      result(
        'sync_cycle_worker_cpu_ms_per_streamer',
        cpuPerStreamer,
        `<=${TARGET_CPU_MS_PER_STREAMER}`,
        detail,
      ),
      result('sync_cycle_worker_rss_mb', rssMb, `<=${TARGET_RSS_MB}`, detail),
    ];
  } finally {
    await deployment.stop();
    await sim.close();
    await dropDatabase(name);
  }
  profile.report();
  results.forEach(printResult);
  return results;
}

runIfMain(module, main);
