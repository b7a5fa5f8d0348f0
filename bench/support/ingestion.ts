import { TwitchSimulator } from '../../test/twitch-simulator/twitch-simulator';
import { createMigratedDatabase, createUser, login, withClient } from './database';
import { startService, ServiceProcess, sleep } from './service';
import { uniqueRedisPrefix } from './settings';
import { log } from './stats';

/**
 * What the ingestion benchmarks share: a database of N streamers due for a sync, the Twitch
 * simulator wired as the service's Twitch, an api process to start a sync as an admin would
 * (`POST /ingestion/sync`), worker processes, and waiting for the cycle to finish.
 */

export const BENCH_TWITCH_APP = { clientId: 'bench-app', clientSecret: 'bench-app-secret' };
const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };

export interface SyncStreamer {
  id: number;
  twitchUserId: string;
}

/**
 * A migrated database with `count` active streamers (Clipador's own credentials) whose last sync
 * was `lastSyncMinutesAgo` minutes ago, as in the middle of normal operation.
 */
export async function prepareSyncDatabase(
  name: string,
  count: number,
  lastSyncMinutesAgo = 3,
): Promise<{ url: string; streamers: SyncStreamer[] }> {
  const url = await createMigratedDatabase(name);
  createUser(url, ADMIN.username, ADMIN.password, 'admin');
  const streamers = await withClient(url, async (client) => {
    await client.query(
      `INSERT INTO streamers (twitch_user_id, display_name, monitor_interval_seconds,
                              monitor_min_clips, last_clip_synced_at)
       SELECT (300000 + s)::text, 'sync_' || s, 180, 2, now() - make_interval(mins => $2::int)
       FROM generate_series(1, $1::int) s`,
      [count, lastSyncMinutesAgo],
    );
    const { rows } = await client.query<SyncStreamer>(
      `SELECT id, twitch_user_id AS "twitchUserId" FROM streamers ORDER BY id`,
    );
    return rows;
  });
  return { url, streamers };
}

export function twitchEnv(sim: TwitchSimulator): Record<string, string> {
  return {
    CLIPADOR_TWITCH_API_URL: sim.helixUrl,
    CLIPADOR_TWITCH_AUTH_URL: sim.authUrl,
    CLIPADOR_TWITCH_CLIENT_ID: BENCH_TWITCH_APP.clientId,
    CLIPADOR_TWITCH_CLIENT_SECRET: BENCH_TWITCH_APP.clientSecret,
    // No scheduled cycle gets in the way: the benchmark starts the one it measures.
    CLIPADOR_INGESTION_INTERVAL_SECONDS: '3600',
  };
}

export interface IngestionDeployment {
  api: ServiceProcess;
  workers: ServiceProcess[];
  adminToken: string;
  /** The Redis prefix every process shares (Bull's keys are under `<prefix>:bull`). */
  redisPrefix: string;
  stop(): Promise<void>;
}

/** An api process and `workers` worker processes sharing one Redis prefix, as deployed at scale. */
export async function startDeployment(
  name: string,
  databaseUrl: string,
  sim: TwitchSimulator,
  workers: number,
  extraEnv: Record<string, string> = {},
  /** Node flags of the workers (a BenchProfile's). */
  workerNodeArgs: string[] = [],
  /** `api,scheduler` for a deployment that runs its own schedule. */
  apiRoles = 'api',
): Promise<IngestionDeployment> {
  const redisPrefix = uniqueRedisPrefix(name);
  const env = { ...twitchEnv(sim), ...extraEnv };
  const api = await startService({
    name: `${name}-api`,
    databaseUrl,
    roles: apiRoles,
    redisPrefix,
    env,
  });
  const started: ServiceProcess[] = [];
  for (let index = 1; index <= workers; index++) {
    started.push(
      await startService({
        name: `${name}-worker${index}`,
        databaseUrl,
        roles: 'worker',
        redisPrefix,
        env,
        nodeArgs: workerNodeArgs,
      }),
    );
  }
  const adminToken = await login(api.url!, ADMIN.username, ADMIN.password);
  return {
    api,
    workers: started,
    adminToken,
    redisPrefix,
    stop: async () => {
      await Promise.all([api, ...started].map((process) => process.stop()));
    },
  };
}

interface WorkerHealthBody {
  workers: string[];
  last_sync_at: string | null;
}

async function workerHealth(apiUrl: string): Promise<WorkerHealthBody> {
  const response = await fetch(`${apiUrl}/health/worker`);
  return (await response.json()) as WorkerHealthBody;
}

/** Waits until `count` workers have reported in (their heartbeat is in Redis). */
export async function waitForWorkers(apiUrl: string, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await workerHealth(apiUrl)).workers.length < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} workers came up`);
    await sleep(100);
  }
}

/**
 * Starts a sync cycle through the API and waits for it to finish. Returns the wall time from the
 * request to the moment the last streamer job of the cycle recorded its outcome.
 */
export async function syncAndWait(
  deployment: IngestionDeployment,
  timeoutMs: number,
  /** A forced cycle (`{"force":true}`): beside any running one, never joined. */
  force = false,
): Promise<{ wallMs: number; startedAt: number }> {
  const apiUrl = deployment.api.url!;
  const before = (await workerHealth(apiUrl)).last_sync_at;
  const startedAt = Date.now();
  const response = await fetch(`${apiUrl}/ingestion/sync`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${deployment.adminToken}`,
      ...(force ? { 'content-type': 'application/json' } : {}),
    },
    body: force ? JSON.stringify({ force: true }) : undefined,
  });
  if (response.status !== 202) {
    throw new Error(`POST /ingestion/sync: ${response.status} ${await response.text()}`);
  }
  const deadline = startedAt + timeoutMs;
  for (;;) {
    const last = (await workerHealth(apiUrl)).last_sync_at;
    if (last && last !== before) return { wallMs: Date.parse(last) - startedAt, startedAt };
    if (Date.now() > deadline) throw new Error(`the sync did not finish within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function countRows(url: string): Promise<{ clips: number; bursts: number }> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ clips: number; bursts: number }>(
      `SELECT (SELECT count(*) FROM clips)::int AS clips, (SELECT count(*) FROM bursts)::int AS bursts`,
    );
    return rows[0];
  });
}

export { log };
