import { get } from 'node:http';
import { MetricsService } from '../src/metrics/metrics.service';
import { TEST_REDIS_URL } from './support/databases';
import { createStreamer, loginAs } from './support/factories';
import { CLIPADOR_APP, simulatorEnv, syncAndWait } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

const TOKEN = 'metrics-token-for-the-e2e-test';

function scrape(port: number, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    ).on('error', reject);
  });
}

/** PRODUCT §18: Prometheus text behind METRICS_TOKEN; 404 without it; workers on METRICS_PORT. */
describe('GET /metrics', () => {
  let sim: TwitchSimulator;
  let api: TestApp;

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    api = await startTestApp({
      env: { ...simulatorEnv(sim), CLIPADOR_ROLES: 'api,worker', CLIPADOR_METRICS_TOKEN: TOKEN },
    });
    await createStreamer(api);
  });

  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  it('answers 401 without the token and Prometheus text with it, client ids hashed', async () => {
    const admin = await loginAs(api, 'admin');
    await syncAndWait(api, admin.bearer);
    await api.http().get('/metrics').expect(401);
    await api.http().get('/metrics').set('Authorization', admin.bearer).expect(401);
    const response = await api
      .http()
      .get('/metrics')
      .set('Authorization', `Bearer ${TOKEN}`)
      .expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.text;
    expect(text).toMatch(
      /clipador_http_requests_total\{route="\/ingestion\/sync",method="POST",status="202"\} \d+/,
    );
    expect(text).toMatch(/clipador_http_request_duration_seconds_bucket\{/);
    expect(text).toMatch(
      /clipador_twitch_requests_total\{credential="[0-9a-f]{12}",resource="clips",status="200"\} \d+/,
    );
    expect(text).toMatch(
      /clipador_twitch_requests_total\{credential="[0-9a-f]{12}",resource="streams",status="200"\} \d+/,
    );
    expect(text).toMatch(/clipador_twitch_points_remaining\{credential="[0-9a-f]{12}"\} \d+/);
    expect(text).toMatch(/clipador_ingestion_streamers_total\{outcome="synced"\} \d+/);
    expect(text).toMatch(/clipador_coverage\{credential="[0-9a-f]{12}",measure="streamers"\} 1/);
    expect(text).toMatch(/clipador_queue_jobs\{queue="streamer",state="waiting"\} 0/);
    expect(text).toMatch(/clipador_live_streamers 0/);
    expect(text).not.toContain(CLIPADOR_APP.clientId);
  });

  it('is 404 when CLIPADOR_METRICS_TOKEN is not set', async () => {
    const bare = await startTestApp();
    try {
      const response = await bare.http().get('/metrics').expect(404);
      expect(response.body).toMatchObject({ statusCode: 404 });
    } finally {
      await bare.close();
    }
  });

  it('is served on CLIPADOR_METRICS_PORT by a process without the api role', async () => {
    const worker = await startTestApp({
      databaseUrl: api.databaseUrl,
      env: {
        ...simulatorEnv(sim),
        CLIPADOR_ROLES: 'worker',
        CLIPADOR_REDIS_URL: TEST_REDIS_URL,
        CLIPADOR_METRICS_TOKEN: TOKEN,
        CLIPADOR_METRICS_PORT: '0',
        CLIPADOR_METRICS_HOST: '127.0.0.1',
      },
    });
    try {
      const port = worker.app.get(MetricsService).port()!;
      expect(port).toBeGreaterThan(0);
      expect((await scrape(port)).status).toBe(401);
      const answer = await scrape(port, TOKEN);
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('clipador_queue_jobs');
    } finally {
      await worker.close();
    }
  });
});
