import { TEST_REDIS_URL } from './support/databases';
import { createStreamer, loginAs, Session } from './support/factories';
import { CLIPADOR_APP, simulatorEnv, syncAndWait } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

const CONCURRENCY = 2;
const STREAMERS = 12;

/**
 * Issue 10 point 2: CLIPADOR_INGESTION_CONCURRENCY is the number of streamer syncs a worker has in
 * flight, and the fan-out does not take one of those slots. Measured where it matters: the most
 * Get Clips requests the simulator holds at once, each answer delayed so that syncs overlap.
 */
describe.each([
  ['in-process runner (no Redis)', {}],
  ['Bull on Redis', { CLIPADOR_REDIS_URL: TEST_REDIS_URL }],
])('worker concurrency with the %s', (_name, queueEnv: Record<string, string>) => {
  let sim: TwitchSimulator;
  let api: TestApp;
  let admin: Session;

  beforeAll(async () => {
    sim = await TwitchSimulator.start({ latencyMs: 150 });
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    api = await startTestApp({
      env: {
        ...simulatorEnv(sim),
        ...queueEnv,
        CLIPADOR_ROLES: 'api,worker',
        CLIPADOR_INGESTION_CONCURRENCY: String(CONCURRENCY),
        CLIPADOR_TWITCH_TIMEOUT_MS: '5000',
      },
    });
    admin = await loginAs(api, 'admin');
    for (let i = 0; i < STREAMERS; i++) await createStreamer(api);
  });

  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  it(`has exactly ${CONCURRENCY} Get Clips requests in flight at the most, fan-out included`, async () => {
    sim.resetStats();
    await syncAndWait(api, admin.bearer);
    // Every streamer was fetched, so the slots had work all along...
    expect(sim.requests('clips').filter((request) => request.status === 200)).toHaveLength(
      STREAMERS,
    );
    // ...and never more than the configured number ran at once (Bull used to run 1 + N).
    expect(sim.peakConcurrency('clips')).toBe(CONCURRENCY);
  });
});
