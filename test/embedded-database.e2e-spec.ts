import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { configureHttpApp, createFastifyAdapter } from '../src/app.factory';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/configuration';
import { EmbeddedDatabaseLockedError, EmbeddedPostgres } from '../src/database/embedded-postgres';
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
});
