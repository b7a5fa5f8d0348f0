import { setTimeout as sleep } from 'node:timers/promises';
import { createSecretKey, randomUUID } from 'node:crypto';
import Bull, { Job, JobStatus, Queue } from 'bull';
import jwt from 'jsonwebtoken';
import {
  INGESTION_QUEUE,
  JOB_POLICIES,
  JOB_SYNC_STREAMER,
  streamerJobId,
  SyncStreamerJob,
} from '../../../src/ingestion/ingestion.jobs';
import { TEST_JWT_SECRET } from '../../support/test-app';
import { PrivatePostgres } from './servers';

/** Polls `check` until it returns a value other than undefined/false, or throws at the deadline. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await sleep(everyMs);
  }
}

export { sleep };

/** A user row and an access token for it, signed as the service signs them (no login needed). */
export async function accessToken(
  postgres: PrivatePostgres,
  role: 'admin' | 'viewer' = 'admin',
  database = 'postgres',
): Promise<string> {
  const username = `${role}_${Math.random().toString(36).slice(2, 10)}`;
  const [user] = await postgres.query<{ id: number }>(
    `INSERT INTO users (username, hashed_password, role) VALUES ($1, 'not-a-hash', $2) RETURNING id`,
    [username, role],
    database,
  );
  const token = jwt.sign(
    // sid and ver as a login's token carries them (a session id, the user's token version 0).
    { sub: String(user.id), username, role, type: 'access', sid: randomUUID(), ver: 0 },
    createSecretKey(Buffer.from(TEST_JWT_SECRET)),
    { algorithm: 'HS256', expiresIn: 3600 },
  );
  return `Bearer ${token}`;
}

/** A streamer as ingestion reads it (clipador_only, W = 120 s, K = 2 unless told otherwise). */
export async function insertStreamer(
  postgres: PrivatePostgres,
  twitchUserId: string,
  options: { database?: string; windowSeconds?: number; minClips?: number } = {},
): Promise<number> {
  const [row] = await postgres.query<{ id: number }>(
    `INSERT INTO streamers (twitch_user_id, display_name, monitor_interval_seconds, monitor_min_clips)
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [twitchUserId, `streamer_${twitchUserId}`, options.windowSeconds ?? 120, options.minClips ?? 2],
    options.database,
  );
  return row.id;
}

export interface StoredRows {
  clips: Array<{ clip_id: string; streamer: string; viewer_count: number; created_at: string }>;
  bursts: Array<{
    streamer: string;
    anchor: string;
    start_time: string;
    end_time: string;
    clip_count: number;
    members: string[];
  }>;
  /** Integrity problems: rows that a committed sync can never leave behind. */
  orphans: string[];
}

/**
 * What ingestion wrote, by natural keys (Twitch ids), so that two databases can be compared
 * row for row whatever their surrogate ids; plus every inconsistency a partial write would show.
 */
export async function storedRows(
  postgres: PrivatePostgres,
  database = 'postgres',
): Promise<StoredRows> {
  const clips = await postgres.query<StoredRows['clips'][number]>(
    `SELECT c.clip_id, s.twitch_user_id AS streamer, c.viewer_count,
            to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at
     FROM clips c JOIN streamers s ON s.id = c.streamer_id ORDER BY c.clip_id`,
    [],
    database,
  );
  const bursts = await postgres.query<StoredRows['bursts'][number]>(
    `SELECT s.twitch_user_id AS streamer, a.clip_id AS anchor,
            to_char(b.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start_time,
            to_char(b.end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS end_time,
            b.clip_count,
            ARRAY(SELECT bc.clip_external_id FROM burst_clips bc WHERE bc.burst_id = b.id
                  ORDER BY bc.clip_external_id) AS members
     FROM bursts b JOIN streamers s ON s.id = b.streamer_id JOIN clips a ON a.id = b.anchor_clip_id
     ORDER BY a.clip_id`,
    [],
    database,
  );
  const problems = await postgres.query<{ problem: string }>(
    `SELECT 'burst ' || b.id || ' has clip_count ' || b.clip_count || ' but '
              || count(bc.clip_id) || ' burst_clips' AS problem
     FROM bursts b LEFT JOIN burst_clips bc ON bc.burst_id = b.id
     GROUP BY b.id HAVING count(bc.clip_id) <> b.clip_count
     UNION ALL
     SELECT 'burst ' || b.id || ' does not contain its anchor clip'
     FROM bursts b WHERE NOT EXISTS (
       SELECT 1 FROM burst_clips bc WHERE bc.burst_id = b.id AND bc.clip_id = b.anchor_clip_id)
     UNION ALL
     SELECT 'streamer ' || s.twitch_user_id || ' has clips but no last_clip_synced_at'
     FROM streamers s WHERE s.last_clip_synced_at IS NULL
       AND EXISTS (SELECT 1 FROM clips c WHERE c.streamer_id = s.id)
     UNION ALL
     SELECT 'duplicate clip ' || clip_id FROM clips GROUP BY clip_id HAVING count(*) > 1`,
    [],
    database,
  );
  return { clips, bursts, orphans: problems.map((row) => row.problem) };
}

/** The ingestion queue of a deployment, from the outside (the same name and prefix as the service). */
export function ingestionQueue(redisUrl: string, redisPrefix: string): Queue {
  return new Bull(INGESTION_QUEUE, redisUrl, { prefix: `${redisPrefix}:bull` });
}

/** Enqueues one streamer's sync as the fan-out does (same job id scheme and retry policy). */
export async function enqueueStreamerSync(
  queue: Queue,
  job: SyncStreamerJob,
): Promise<Job<SyncStreamerJob>> {
  const policy = JOB_POLICIES[JOB_SYNC_STREAMER];
  return queue.add(JOB_SYNC_STREAMER, job, {
    jobId: streamerJobId(job.cycleId, job.streamerId),
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs },
  });
}

export async function jobState(queue: Queue, jobId: string): Promise<JobStatus | 'missing'> {
  const job = await queue.getJob(jobId);
  return job ? ((await job.getState()) as JobStatus) : 'missing';
}

/**
 * Holds every sync that writes a burst inside its transaction, after its clips are written and
 * before the burst is, for `seconds` (a trigger that sleeps), so that a fault can strike a
 * transaction half done. Returns the function that lifts the hold for later syncs.
 */
export async function holdSyncsMidTransaction(
  postgres: PrivatePostgres,
  seconds: number,
  database = 'postgres',
): Promise<() => Promise<void>> {
  await postgres.query(
    `CREATE TABLE IF NOT EXISTS fault_hold (seconds double precision NOT NULL)`,
    [],
    database,
  );
  await postgres.query(`INSERT INTO fault_hold VALUES ($1)`, [seconds], database);
  await postgres.query(
    `CREATE OR REPLACE FUNCTION fault_hold() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE held double precision;
     BEGIN
       SELECT max(seconds) INTO held FROM fault_hold;
       IF held IS NOT NULL THEN PERFORM pg_sleep(held); END IF;
       RETURN NULL;
     END $$`,
    [],
    database,
  );
  await postgres.query(
    `CREATE OR REPLACE TRIGGER fault_hold BEFORE INSERT ON bursts
     FOR EACH STATEMENT EXECUTE FUNCTION fault_hold()`,
    [],
    database,
  );
  // The private server runs with synchronous_commit=off: without a checkpoint, a crash that
  // follows within the WAL writer's delay (an immediate halt soon after) would lose the hold itself.
  await postgres.query('CHECKPOINT', [], database);
  return async () => {
    await postgres.query('DELETE FROM fault_hold', [], database);
  };
}

/** Pids of the backends sleeping in the hold above. */
export async function heldTransactions(
  postgres: PrivatePostgres,
  database = 'postgres',
): Promise<number[]> {
  const rows = await postgres.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'PgSleep'`,
    [database],
  );
  return rows.map((row) => row.pid);
}

/** Clips stored for one streamer (by Twitch id). */
export async function clipsOf(
  postgres: PrivatePostgres,
  twitchUserId: string,
  database = 'postgres',
): Promise<number> {
  const [row] = await postgres.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM clips c JOIN streamers s ON s.id = c.streamer_id
     WHERE s.twitch_user_id = $1`,
    [twitchUserId],
    database,
  );
  return row.n;
}

/** Adds the PRODUCT §5 example to the simulator: three clips within 60 s (a burst) and one apart. */
export function addBurstClips(
  sim: { addClip(input: { broadcaster_id: string; created_at: Date }): { id: string } },
  twitchUserId: string,
  minutesAgo = 30,
): string[] {
  const at = (offsetMinutes: number) =>
    new Date(Math.floor((Date.now() - (minutesAgo - offsetMinutes) * 60_000) / 1000) * 1000);
  return [0, 0.5, 1, 6].map(
    (offset) => sim.addClip({ broadcaster_id: twitchUserId, created_at: at(offset) }).id,
  );
}
