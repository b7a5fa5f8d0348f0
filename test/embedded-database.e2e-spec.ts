import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { configureHttpApp, createFastifyAdapter } from '../src/app.factory';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/configuration';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { DeliveriesService } from '../src/deliveries/deliveries.service';
import { EmbeddedDatabaseLockedError, EmbeddedPostgres } from '../src/database/embedded-postgres';
import { MIGRATIONS } from '../src/database/migrations';
import { UsersService } from '../src/users/users.service';

/**
 * The embedded default (no CLIPADOR_DATABASE_URL): PGlite in a directory, the same migrations,
 * one process per directory.
 */
describe('embedded PostgreSQL (PGlite)', () => {
  let dataRoot: string;

  beforeAll(() => {
    dataRoot = mkdtempSync(join(tmpdir(), 'clipador-pglite-'));
  });

  afterAll(() => {
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('boots, creates an admin, logs in and creates a streamer', async () => {
    const config = loadConfig({
      CLIPADOR_APP_ENV: 'test',
      CLIPADOR_EMBEDDED_DATA_DIR: join(dataRoot, 'pglite'),
      CLIPADOR_LOG_LEVEL: 'silent',
      CLIPADOR_ROLES: 'api',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config)],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(
      createFastifyAdapter(config.app),
    );
    await configureHttpApp(app, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    try {
      await app.get(UsersService).createOrUpdate('admin', 'embedded-password', 'admin');
      const http = () => request(app.getHttpServer());
      const login = await http()
        .post('/auth/login')
        .send({ username: 'admin', password: 'embedded-password' })
        .expect(200);
      const bearer = `Bearer ${login.body.access_token}`;

      const created = await http()
        .post('/streams')
        .set('Authorization', bearer)
        .send({ twitch_user_id: '12345', display_name: 'Embedded' })
        .expect(201);
      expect(created.body).toMatchObject({ twitch_user_id: '12345', display_name: 'Embedded' });
      const listed = await http().get('/streams').set('Authorization', bearer).expect(200);
      expect(listed.body).toHaveLength(1);
      await http()
        .get('/clips/bursts/recent')
        .set('Authorization', bearer)
        .expect(200, { data: [] });
      await http().get('/health/ready').expect(200);

      // Channels and the delivery fan-out run on PGlite too.
      const attached = await http()
        .post('/config/me/streamers')
        .set('Authorization', bearer)
        .send({ twitch_user_id: '12345', display_name: 'Embedded', monitor_min_clips: 2 })
        .expect(201);
      expect(attached.body).toMatchObject({
        slots_used: 1,
        streamers: [{ twitch_user_id: '12345' }],
      });
      const dataSource = app.get(DataSource);
      const [{ id: streamerId }] = await dataSource.query<{ id: number }[]>(
        `SELECT id FROM streamers WHERE twitch_user_id = '12345'`,
      );
      const clipIds: number[] = [];
      for (const [index, second] of [0, 10, 20].entries()) {
        const [{ id }] = await dataSource.query<{ id: number }[]>(
          `INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at, title)
           VALUES ($1, $2, 'Embedded', '12345', now() - interval '5 minutes' + $3 * interval '1 second', 'T')
           RETURNING id`,
          [`EmbeddedClip${index}`, streamerId, second],
        );
        clipIds.push(id);
      }
      const [{ id: burstId }] = await dataSource.query<{ id: number }[]>(
        `INSERT INTO bursts (streamer_id, anchor_clip_id, start_time, end_time, clip_count)
         SELECT $1, $2, min(created_at), max(created_at), 3 FROM clips WHERE id = ANY($3::int[])
         RETURNING id`,
        [streamerId, clipIds[0], clipIds],
      );
      for (const [index, clipId] of clipIds.entries()) {
        await dataSource.query(
          'INSERT INTO burst_clips (burst_id, clip_id, clip_external_id) VALUES ($1, $2, $3)',
          [burstId, clipId, `EmbeddedClip${index}`],
        );
      }
      const commit = {
        streamerId,
        burstIds: [burstId],
        newClipIds: clipIds,
        liveViewerCount: null,
      };
      const deliveries = app.get(DeliveriesService);
      const first = await dataSource.transaction((manager) => deliveries.deliver(manager, commit));
      expect(first.written).toBe(3);
      const again = await dataSource.transaction((manager) => deliveries.deliver(manager, commit));
      expect(again.written).toBe(0);
      const history = await http()
        .get('/config/me/history?limit=2')
        .set('Authorization', bearer)
        .expect(200);
      expect(history.body.items).toHaveLength(2);
      const rest = await http()
        .get(`/config/me/history?limit=2&before=${encodeURIComponent(history.body.next_before)}`)
        .set('Authorization', bearer)
        .expect(200);
      expect(rest.body).toMatchObject({ items: [expect.anything()], next_before: null });
    } finally {
      await app.close();
    }
  });

  it('refuses a second process on the same directory with a clear message', async () => {
    const dataDir = join(dataRoot, 'locked');
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(`${dataDir}.lock`, String(other.pid));
      await expect(EmbeddedPostgres.open(dataDir)).rejects.toThrow(EmbeddedDatabaseLockedError);
      await expect(EmbeddedPostgres.open(dataDir)).rejects.toThrow(/in use by another process/);
    } finally {
      other.kill();
    }
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dataDir = join(dataRoot, 'stale');
    writeFileSync(`${dataDir}.lock`, '999999');
    const database = await EmbeddedPostgres.open(dataDir);
    await expect(EmbeddedPostgres.open(dataDir)).rejects.toThrow(EmbeddedDatabaseLockedError);
    await database.close();
  });

  it('runs every migration down and up again', async () => {
    const config = loadConfig({ CLIPADOR_APP_ENV: 'test', CLIPADOR_LOG_LEVEL: 'silent' });
    const database = await EmbeddedPostgres.open(join(dataRoot, 'migrations'));
    const dataSource = new DataSource(buildDataSourceOptions(config.database, database.pgConfig()));
    try {
      await dataSource.initialize();
      expect(await dataSource.runMigrations({ transaction: 'each' })).toHaveLength(
        MIGRATIONS.length,
      );
      const tables = async (): Promise<string[]> =>
        (
          await dataSource.query<{ table_name: string }[]>(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations' ORDER BY 1`,
          )
        ).map((row) => row.table_name);
      const migrated = await tables();
      expect(migrated).toEqual(expect.arrayContaining(['clip_deliveries', 'user_streamers']));
      for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
      expect(await tables()).toEqual([]);
      expect(await dataSource.runMigrations({ transaction: 'each' })).toHaveLength(
        MIGRATIONS.length,
      );
      expect(await tables()).toEqual(migrated);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await database.close();
    }
  });
});
