import { Client } from 'pg';
import { MaintenanceQueue, InProcessMaintenanceQueue } from '../src/retention/maintenance-queue';
import { RetentionScheduler } from '../src/retention/retention.scheduler';
import { RetentionService } from '../src/retention/retention.service';
import { runCli } from './support/cli';
import { createTestDatabase, dropTestDatabase, TEST_REDIS_URL } from './support/databases';
import { createStreamer, insertBurst, loginAs, Session, TestStreamer } from './support/factories';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

async function count(api: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  const [{ n }] = await api.dataSource.query<Array<{ n: number }>>(
    `SELECT (${sql})::int AS n`,
    params,
  );
  return n;
}

/** Old clips in no burst, `total` of them over the streamers, inserted in one statement. */
async function insertOldClips(api: TestApp, streamers: TestStreamer[], total: number, tag: string) {
  await api.dataSource.query(
    `INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at,
                        viewer_count, title, url)
     SELECT $1 || g, ids[1 + g % cardinality(ids)], 'old', 'old', now() - interval '40 days'
              - g * interval '1 second', g % 1000, 'an old clip', 'https://clips.twitch.tv/' || g
     FROM generate_series(1, $2::int) g, (SELECT $3::int[] AS ids) s`,
    [tag, total, streamers.map((streamer) => streamer.id)],
  );
}

/**
 * PRODUCT §18's retention: what each step deletes and keeps, the daily job on its own queue with
 * both runners, the CLI's one-off run, and a run over 500,000 clips while syncs go on against the
 * Twitch simulator, which must not hold them up.
 */
describe.each([
  ['in-process runner (no Redis)', {}],
  ['Bull on Redis', { CLIPADOR_REDIS_URL: TEST_REDIS_URL }],
])('retention with the %s', (name, queueEnv: Record<string, string>) => {
  let api: TestApp;
  let admin: Session;
  let streamer: TestStreamer;
  const hour = (new Date().getUTCHours() + 12) % 24;

  beforeAll(async () => {
    api = await startTestApp({
      env: {
        ...queueEnv,
        CLIPADOR_ROLES: 'api,worker,scheduler',
        // Never the hour now: the scheduler's start-up check enqueues nothing on its own.
        CLIPADOR_RETENTION_HOUR_UTC: String(hour),
        CLIPADOR_RETENTION_BATCH_SIZE: '100',
      },
    });
    admin = await loginAs(api, 'admin');
    streamer = await createStreamer(api);
  });

  afterAll(async () => {
    await api.close();
  });

  /** One of everything, old and recent; answers what is left of each afterwards. */
  async function seed(tag: string) {
    await insertOldClips(api, [streamer], 250, `${tag}_old_`);
    const burst = await insertBurst(api, streamer.id, [
      { createdAt: daysAgo(45), clipId: `${tag}_burst_a` },
      { createdAt: daysAgo(45), clipId: `${tag}_burst_b` },
    ]);
    await api.dataSource.query(
      `INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at)
       VALUES ($1, $2, 'recent', 'recent', now() - interval '29 days')`,
      [`${tag}_recent`, streamer.id],
    );
    await api.dataSource.query(
      `INSERT INTO clip_deliveries (user_id, streamer_id, clip_external_id, delivered_at)
       SELECT $1, $2, $3 || g, now() - make_interval(days => CASE WHEN g <= 230 THEN 91 ELSE 89 END)
       FROM generate_series(1, 240) g`,
      [admin.user.id, streamer.id, `${tag}_delivery_`],
    );
    await api.dataSource.query(
      `WITH s AS (
         INSERT INTO auth_sessions (id, user_id, expires_at)
         SELECT gen_random_uuid(), $1, now() + CASE WHEN g <= 3 THEN interval '-1 hour'
                                                    ELSE interval '1 day' END
         FROM generate_series(1, 5) g RETURNING id, expires_at)
       INSERT INTO refresh_tokens (id, user_id, session_id, expires_at)
       SELECT gen_random_uuid(), $1, s.id, s.expires_at FROM s, generate_series(1, 70)`,
      [admin.user.id],
    );
    await api.dataSource.query(
      `INSERT INTO purchases (sale_id, email, raw_payload, created_at)
       VALUES ($1 || 'old', 'a@example.com', '{"name":"A"}', now() - interval '91 days'),
              ($1 || 'new', 'b@example.com', '{"name":"B"}', now() - interval '89 days')`,
      [tag],
    );
    // Sent notifications: 150 older than 30 days, 5 newer; failed and pending ones, however old,
    // stay (a failed one is what the user's list shows).
    await api.dataSource.query(
      `INSERT INTO notifications (user_id, kind, channel, status, sent_at, idempotency_key)
       SELECT $1, 'test', 'webhook', st, at, $2 || g
       FROM generate_series(1, 160) g,
            LATERAL (SELECT CASE WHEN g <= 155 THEN 'sent' WHEN g <= 158 THEN 'failed'
                                 ELSE 'pending' END AS st,
                            CASE WHEN g <= 150 OR g > 155 THEN now() - interval '31 days'
                                 ELSE now() - interval '29 days' END AS at) x`,
      [admin.user.id, `${tag}_notification_`],
    );
    return {
      burst,
      left: async () => ({
        notifications: await count(
          api,
          `SELECT count(*) FROM notifications WHERE idempotency_key LIKE $1`,
          [`${tag}_notification_%`],
        ),
        oldClips: await count(api, `SELECT count(*) FROM clips WHERE clip_id LIKE $1`, [
          `${tag}_old_%`,
        ]),
        burstClips: await count(
          api,
          `SELECT count(*) FROM clips c JOIN burst_clips bc ON bc.clip_id = c.id
           WHERE bc.burst_id = $1`,
          [burst.id],
        ),
        recentClips: await count(api, `SELECT count(*) FROM clips WHERE clip_id = $1`, [
          `${tag}_recent`,
        ]),
        deliveries: await count(
          api,
          `SELECT count(*) FROM clip_deliveries WHERE clip_external_id LIKE $1`,
          [`${tag}_delivery_%`],
        ),
        payloads: await count(
          api,
          `SELECT count(*) FROM purchases WHERE sale_id LIKE $1 AND raw_payload IS NOT NULL`,
          [`${tag}%`],
        ),
        purchases: await count(api, `SELECT count(*) FROM purchases WHERE sale_id LIKE $1`, [
          `${tag}%`,
        ]),
      }),
    };
  }

  const sessionsLeft = async () => ({
    ended: await count(api, `SELECT count(*) FROM auth_sessions WHERE expires_at < now()`),
    live: await count(api, `SELECT count(*) FROM auth_sessions WHERE expires_at > now()`),
    endedTokens: await count(
      api,
      `SELECT count(*) FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
       WHERE s.expires_at < now()`,
    ),
  });

  it('deletes old clips in no burst, old deliveries, ended sessions and old payloads; keeps the rest', async () => {
    const { left } = await seed('rules');
    const liveSessions = (await sessionsLeft()).live;
    expect(await left()).toEqual({
      notifications: 160,
      oldClips: 250,
      burstClips: 2,
      recentClips: 1,
      deliveries: 240,
      payloads: 2,
      purchases: 2,
    });
    expect((await sessionsLeft()).endedTokens).toBe(210);

    const outcomes = await api.app.get(RetentionService).run();
    expect(await left()).toEqual({
      notifications: 10,
      oldClips: 0,
      burstClips: 2,
      recentClips: 1,
      deliveries: 10,
      payloads: 1,
      purchases: 2,
    });
    expect(await sessionsLeft()).toEqual({ ended: 0, live: liveSessions, endedTokens: 0 });
    // The admin's own login session (and its token) is live: kept.
    expect(liveSessions).toBeGreaterThanOrEqual(3);
    const byName = Object.fromEntries(outcomes.map((outcome) => [outcome.name, outcome]));
    // Batches of 100: 250 clips take three statements, 210 tokens three.
    expect(byName.clips).toMatchObject({ rows: 250, batches: 3 });
    expect(byName.refresh_tokens).toMatchObject({ rows: 210, batches: 3 });
    expect(byName.notifications).toMatchObject({ rows: 150, batches: 2 });
    expect(byName.auth_sessions).toMatchObject({ rows: 3 });
    expect(byName['purchases.raw_payload']).toMatchObject({ rows: 1 });
    expect(outcomes.filter((outcome) => outcome.error)).toEqual([]);
  });

  it('skips a step whose table does not exist, and a failing step does not stop the others', async () => {
    const { left } = await seed('steps');
    const outcomes = await api.app.get(RetentionService).run({
      steps: [
        { name: 'absent', table: 'no_such_table', days: () => 1, sql: 'SELECT 1/0 AS n' },
        { name: 'broken', table: 'clips', days: () => 1, sql: 'SELECT no_such_column AS n' },
        {
          name: 'clips-again',
          table: 'clips',
          days: (settings) => settings.clipDays,
          sql: `WITH gone AS (DELETE FROM clips WHERE id IN (SELECT id FROM clips
                  WHERE clip_id LIKE 'steps_old_%' LIMIT $2) AND $1::timestamptz IS NOT NULL
                  RETURNING 1) SELECT count(*)::int AS n FROM gone`,
        },
      ],
    });
    expect(
      outcomes.map(({ name, rows, skipped, error }) => ({ name, rows, skipped, error })),
    ).toEqual([
      { name: 'absent', rows: 0, skipped: true, error: undefined },
      {
        name: 'broken',
        rows: 0,
        skipped: undefined,
        error: expect.stringMatching(/no_such_column/),
      },
      { name: 'clips-again', rows: 250, skipped: undefined, error: undefined },
    ]);
    expect((await left()).oldClips).toBe(0);
  });

  it('runs once a day at its hour, on the worker, from the scheduler', async () => {
    const { left } = await seed('daily');
    const scheduler = api.app.get(RetentionScheduler);
    const today = new Date();
    today.setUTCHours(hour, 5, 0, 0);
    // Another hour: nothing is enqueued.
    await scheduler.tick(new Date(today.getTime() - 3_600_000));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await left()).oldClips).toBe(250);

    await scheduler.tick(today);
    await until('the day’s run', async () => (await left()).oldClips === 0);
    await drain();

    // The same day again (another check, another scheduler): not run twice.
    await insertOldClips(api, [streamer], 10, 'daily_again_');
    await scheduler.tick(new Date(today.getTime() + 60_000));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await drain();
    expect(await count(api, `SELECT count(*) FROM clips WHERE clip_id LIKE 'daily_again_%'`)).toBe(
      10,
    );
    // The next day runs.
    await scheduler.tick(new Date(today.getTime() + DAY));
    await until(
      'the next day’s run',
      async () =>
        (await count(api, `SELECT count(*) FROM clips WHERE clip_id LIKE 'daily_again_%'`)) === 0,
    );
  });

  async function drain(): Promise<void> {
    const queue = api.app.get(MaintenanceQueue);
    if (queue instanceof InProcessMaintenanceQueue) await queue.drain();
    else await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

/**
 * At real size: 500,000 old clips (and 5,000 old deliveries) cleared while syncs of 40 streamers
 * run against the Twitch simulator, on one worker (Bull). Each sync is timed with retention idle
 * and then with it running; retention must still be running when the syncs are done (they ran
 * beside it, not after it), and they must take no more than 3× their idle time plus a second.
 */
describe('retention at real size beside a sync', () => {
  const STREAMERS = 40;
  const OLD_CLIPS = 500_000;
  let sim: TwitchSimulator;
  let api: TestApp;
  let admin: Session;
  let streamers: TestStreamer[];

  beforeAll(async () => {
    sim = await TwitchSimulator.start({ rateLimit: null });
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    api = await startTestApp({
      env: {
        ...simulatorEnv(sim),
        CLIPADOR_REDIS_URL: TEST_REDIS_URL,
        CLIPADOR_ROLES: 'api,worker',
        CLIPADOR_INGESTION_CONCURRENCY: '4',
      },
    });
    admin = await loginAs(api, 'admin');
    streamers = [];
    for (let i = 0; i < STREAMERS; i++) streamers.push(await createStreamer(api));
    await insertOldClips(api, streamers, OLD_CLIPS, 'big_');
    await api.dataSource.query(
      `INSERT INTO clip_deliveries (user_id, streamer_id, clip_external_id, delivered_at)
       SELECT $1, $2, 'big_delivery_' || g, now() - interval '100 days' FROM generate_series(1, 5000) g`,
      [admin.user.id, streamers[0].id],
    );
    await api.dataSource.query('ANALYZE clips');
    // The first sync reads each streamer's history: not what is measured.
    await syncAndWait(api, admin.bearer, 60_000);
  }, 180_000);

  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  /** A sync in which every streamer has two new clips (one a burst's worth with the other). */
  async function timedSync(): Promise<number> {
    for (const streamer of streamers) {
      for (const offset of [0, 20]) {
        sim.addClip({
          broadcaster_id: streamer.twitchUserId,
          created_at: new Date(minutesAgo(1).getTime() + offset * 1000),
        });
      }
    }
    const startedAt = Date.now();
    await syncAndWait(api, admin.bearer, 60_000);
    return Date.now() - startedAt;
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[1];

  it('clears 500,000 old clips in batches without holding the syncs up', async () => {
    const idle = median([await timedSync(), await timedSync(), await timedSync()]);

    let retentionDone = false;
    const running = api.app
      .get(RetentionService)
      .run()
      .finally(() => (retentionDone = true));
    // Retention is under way (its first batches are gone) before the syncs start.
    await until(
      'retention to start deleting',
      async () =>
        (await count(api, `SELECT count(*) FROM clips WHERE clip_id LIKE 'big_%'`)) < OLD_CLIPS,
      60_000,
    );
    const beside = [await timedSync(), await timedSync(), await timedSync()];
    const stillRunning = !retentionDone;
    const outcomes = await running;

    const clips = outcomes.find((outcome) => outcome.name === 'clips')!;
    console.log(
      `sync idle ${idle} ms, beside retention ${beside.join('/')} ms; retention cleared ` +
        `${clips.rows} clips in ${clips.batches} batches, ${clips.durationMs} ms`,
    );
    expect(stillRunning).toBe(true);
    expect(median(beside)).toBeLessThanOrEqual(3 * idle + 1_000);
    expect(clips.rows).toBe(OLD_CLIPS);
    expect(clips.batches).toBeGreaterThanOrEqual(OLD_CLIPS / 5_000);
    expect(outcomes.find((outcome) => outcome.name === 'clip_deliveries')?.rows).toBe(5_000);
    expect(await count(api, `SELECT count(*) FROM clips WHERE clip_id LIKE 'big_%'`)).toBe(0);
    // The syncs' own clips and bursts are all there.
    expect(
      await count(api, `SELECT count(*) FROM clips WHERE created_at > now() - interval '1 hour'`),
    ).toBe(STREAMERS * 2 * 6);
  }, 300_000);
});

/** `cli retention` as an operator runs it: its own process, one line per step, exit code 0. */
describe('cli retention', () => {
  let database: { name: string; url: string };

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await dropTestDatabase(database.name);
  });

  it('runs every step once and prints what each did', async () => {
    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      const [{ id }] = (
        await db.query<{ id: number }>(
          `INSERT INTO streamers (twitch_user_id, display_name) VALUES ('cli_1', 'cli') RETURNING id`,
        )
      ).rows;
      await db.query(
        `INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at)
         SELECT 'cli_' || g, $1, 'cli', 'cli_1', now() - interval '31 days'
         FROM generate_series(1, 7) g`,
        [id],
      );
      const run = await runCli('retention', [], { CLIPADOR_DATABASE_URL: database.url });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^clips: 7 row\(s\) in 1 batch\(es\)/m);
      expect(run.stdout).toMatch(/^clip_deliveries: 0 row\(s\)/m);
      expect((await db.query('SELECT count(*)::int AS n FROM clips')).rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
  }, 60_000);
});
