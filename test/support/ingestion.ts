import { setTimeout as sleep } from 'node:timers/promises';
import { IngestionStatusService } from '../../src/ingestion/ingestion-status.service';
import { TwitchSimulator } from '../twitch-simulator/twitch-simulator';
import { TestApp } from './test-app';

export const CLIPADOR_APP = { clientId: 'clipador-app', clientSecret: 'clipador-app-secret' };

/** Environment for an app whose Twitch is the simulator, with quick timeouts and retries. */
export function simulatorEnv(sim: TwitchSimulator): Record<string, string> {
  return {
    CLIPADOR_TWITCH_API_URL: sim.helixUrl,
    CLIPADOR_TWITCH_AUTH_URL: sim.authUrl,
    CLIPADOR_TWITCH_CLIENT_ID: CLIPADOR_APP.clientId,
    CLIPADOR_TWITCH_CLIENT_SECRET: CLIPADOR_APP.clientSecret,
    CLIPADOR_TWITCH_TIMEOUT_MS: '500',
    CLIPADOR_TWITCH_RETRY_BASE_MS: '20',
    CLIPADOR_TWITCH_MAX_RETRIES: '3',
    CLIPADOR_TWITCH_MAX_RATE_WAIT_MS: '15000',
  };
}

/**
 * Starts a sync through the API (as the dashboard's admin would) and waits until that cycle has
 * finished on whichever worker ran it. Returns the job id.
 */
export async function syncAndWait(
  api: TestApp,
  bearer: string,
  timeoutMs = 30_000,
): Promise<string> {
  const status = api.app.get(IngestionStatusService);
  const before = (await status.workerHealth()).lastSyncAt?.getTime() ?? 0;
  const response = await api
    .http()
    .post('/ingestion/sync')
    .set('Authorization', bearer)
    .expect(202);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const finished = (await status.workerHealth()).lastSyncAt?.getTime() ?? 0;
    if (finished > before) return (response.body as { job_id: string }).job_id;
    await sleep(50);
  }
  throw new Error(`The sync did not finish within ${timeoutMs} ms`);
}

/** Now minus so many minutes, at a whole second (Twitch's precision). */
export function minutesAgo(minutes: number, now = Date.now()): Date {
  return new Date(Math.floor((now - minutes * 60_000) / 1000) * 1000);
}
