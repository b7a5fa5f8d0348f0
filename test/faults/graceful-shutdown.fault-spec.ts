import { existsSync, mkdtempSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import { Child } from './support/child';
import { buildDir, runDir } from './support/run-dir';
import { http } from './support/http';
import { accessToken, eventually, insertStreamer, sleep } from './support/scenario';
import { ShutdownRig } from './support/shutdown-rig';
import { NODE_MODULES, REPO_ROOT } from './support/build';

/**
 * SIGTERM, in every role but the worker's alone (see graceful-shutdown-worker.fault-spec.ts): the
 * process stops taking work, finishes what it holds, closes its connections and exits with status
 * 0 within 10 s. Each case runs the service as a real process against private servers, on a
 * database of its own.
 */
describe('graceful shutdown on SIGTERM', () => {
  let rig: ShutdownRig;

  beforeAll(async () => {
    rig = await ShutdownRig.start(5500);
  });

  afterEach(async () => {
    await rig.endCase();
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('api: answers the request in flight, closes idle keep-alive connections, exits 0', async () => {
    const { database, url, prefix } = await rig.newCase();
    const bearer = await accessToken(rig.postgres, 'admin', database);
    const api = await rig.start('api', {
      CLIPADOR_ROLES: 'api',
      CLIPADOR_DATABASE_URL: url,
      CLIPADOR_REDIS_URL: rig.redis.url,
      CLIPADOR_REDIS_PREFIX: prefix,
    });
    const keepAlive = new Agent({ keepAlive: true });
    try {
      // A connection left open and idle, as a browser or a proxy leaves it.
      expect((await http(api.baseUrl, '/health', { agent: keepAlive })).status).toBe(200);
      // A request held in flight: the table it reads is locked until we let go.
      const locker = new Client({ connectionString: url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE streamers IN ACCESS EXCLUSIVE MODE');
      const inFlight = http(api.baseUrl, '/streams', { headers: { Authorization: bearer } });
      await eventually('the request to wait on the lock', async () => {
        const waiting = await rig.postgres.query(
          `SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
           WHERE c.relname = 'streamers' AND NOT l.granted`,
          [],
          database,
        );
        return waiting.length > 0;
      });

      const stopping = rig.terminateGracefully(api);
      await sleep(500);
      await locker.query('COMMIT');
      await locker.end();

      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual([]);
      await stopping;
    } finally {
      keepAlive.destroy();
    }
  });

  it('scheduler: stops its timer and exits 0', async () => {
    const { url, prefix } = await rig.newCase();
    const scheduler = await rig.start('scheduler', {
      CLIPADOR_ROLES: 'scheduler',
      CLIPADOR_DATABASE_URL: url,
      CLIPADOR_REDIS_URL: rig.redis.url,
      CLIPADOR_REDIS_PREFIX: prefix,
    });
    await scheduler.waitForLog((line) => line.msg === 'ingestion_scheduled');

    await rig.terminateGracefully(scheduler);
  });

  it('all roles in one process: finishes the sync and the open connections, exits 0', async () => {
    const { database, url, prefix, twitchUserId } = await rig.newCase();
    await insertStreamer(rig.postgres, twitchUserId, { database });
    const service = await rig.start('all-in-one', {
      CLIPADOR_DATABASE_URL: url,
      CLIPADOR_REDIS_URL: rig.redis.url,
      CLIPADOR_REDIS_PREFIX: prefix,
    });
    const keepAlive = new Agent({ keepAlive: true });
    try {
      expect((await http(service.baseUrl, '/health', { agent: keepAlive })).status).toBe(200);
      await service.waitForLog((line) => line.msg === 'ingestion_started');
      await sleep(300);

      await rig.terminateGracefully(service);
    } finally {
      keepAlive.destroy();
    }
    expect(await rig.clipCount(database, twitchUserId)).toBe(3);
  });

  it('embedded PGlite (no database URL): closes the database and its lock, exits 0, and starts again on the same data', async () => {
    const dataDir = join(mkdtempSync(join(runDir(), 'pglite-')), 'pglite');
    const env = { CLIPADOR_EMBEDDED_DATA_DIR: dataDir };
    const cli = Child.start({
      name: 'cli create-admin',
      command: process.execPath,
      args: [join(buildDir(), 'cli.js'), 'create-admin', 'admin', 'embedded-password'],
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, NODE_PATH: NODE_MODULES, CLIPADOR_APP_ENV: 'test', ...env },
    });
    expect((await cli.exited).code).toBe(0);

    const first = await rig.start('embedded-1', env);
    const login = await http(first.baseUrl, '/auth/login', {
      method: 'POST',
      body: { username: 'admin', password: 'embedded-password' },
    });
    const bearer = `Bearer ${(login.body as { access_token: string }).access_token}`;
    const created = await http(first.baseUrl, '/streams', {
      method: 'POST',
      headers: { Authorization: bearer },
      body: { twitch_user_id: '6001', display_name: 'Embedded' },
    });
    expect(created.status).toBe(201);
    await rig.terminateGracefully(first);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);

    const second = await rig.start('embedded-2', env);
    const listed = await http(second.baseUrl, '/streams', { headers: { Authorization: bearer } });
    expect(listed.body).toEqual([expect.objectContaining({ twitch_user_id: '6001' })]);
    await rig.terminateGracefully(second);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});
