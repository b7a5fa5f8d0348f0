import 'reflect-metadata';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Logger } from '@nestjs/common';
import { migrateTemplate } from '../../support/databases';
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
    await migrateTemplate(postgres.url());
  } finally {
    await postgres.halt('fast');
  }
}
