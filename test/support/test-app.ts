import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { configureHttpApp, createFastifyAdapter } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/config/configuration';
import { createTestDatabase, dropTestDatabase } from './databases';

/** A JWT secret long enough for production rules, used by every e2e app. */
export const TEST_JWT_SECRET = 'e2e-test-secret-that-is-long-enough-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  dataSource: DataSource;
  /** The database this app owns (dropped on close unless it was passed in). */
  databaseUrl: string;
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra or overriding CLIPADOR_* variables. */
  env?: Record<string, string | undefined>;
  /** Reuse a database (e.g. a second app on the same data) instead of creating one. */
  databaseUrl?: string;
}

/**
 * Boots the real AppModule with the production HTTP setup (validation, error filter, CORS,
 * headers) on a fresh database copied from the migrated template. Role `api` only by default:
 * specs that need a worker or scheduler ask for them through CLIPADOR_ROLES.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const created = options.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? created!.url;
  const config = loadConfig({
    CLIPADOR_APP_ENV: 'test',
    CLIPADOR_DATABASE_URL: databaseUrl,
    CLIPADOR_JWT_SECRET: TEST_JWT_SECRET,
    CLIPADOR_LOG_LEVEL: 'silent',
    CLIPADOR_ROLES: 'api',
    // Specs run in parallel against one Redis: each app gets its own keys and queues.
    CLIPADOR_REDIS_PREFIX: `clipador-test-${randomBytes(4).toString('hex')}`,
    ...options.env,
  });

  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createFastifyAdapter(config.app),
    {
      bufferLogs: true,
    },
  );
  await configureHttpApp(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();

  return {
    app,
    config,
    dataSource: app.get(DataSource),
    databaseUrl,
    http: () => request(app.getHttpServer()),
    close: async () => {
      await app.close();
      if (created) await dropTestDatabase(created.name);
    },
  };
}
