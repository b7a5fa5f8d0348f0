import 'reflect-metadata';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../../src/config/configuration';
import { buildDataSourceOptions, runMigrations } from '../../../src/database/data-source-options';
import { transpileService } from './build';
import { buildDir, postgresTemplateDir, RUN_DIR_ENV } from './run-dir';
import { initCluster, PrivatePostgres } from './servers';

/**
 * Once per run: the service transpiled for child processes, and one migrated PostgreSQL cluster
 * that every spec file copies for its own private server (a copy starts in well under a second,
 * initdb plus migrations take several).
 */
export default async function globalSetup(): Promise<void> {
  Logger.overrideLogger(false);
  const dir = mkdtempSync(`${tmpdir()}/clipador-faults-`);
  // The postgres user must reach the clusters inside.
  chmodSync(dir, 0o755);
  process.env[RUN_DIR_ENV] = dir;

  transpileService(buildDir());

  mkdirSync(postgresTemplateDir());
  initCluster(postgresTemplateDir());
  const postgres = await PrivatePostgres.start({ dir: postgresTemplateDir(), fromTemplate: false });
  try {
    const { database } = loadConfig({
      CLIPADOR_APP_ENV: 'test',
      CLIPADOR_DATABASE_URL: postgres.url(),
      CLIPADOR_DATABASE_LOGGING: 'false',
    });
    const dataSource = await new DataSource(buildDataSourceOptions(database)).initialize();
    try {
      await runMigrations(dataSource, false);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await postgres.halt('fast');
  }
}
