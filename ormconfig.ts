/**
 * The data source the TypeORM CLI uses (`npm run migration:run`, `npm run migration:generate`).
 * It reads the same CLIPADOR_* configuration as the service. With no CLIPADOR_DATABASE_URL it
 * opens the embedded database, under the same lock the service takes.
 */
import 'reflect-metadata';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/configuration';
import { loadEnvFile } from './src/config/env-file';
import { buildDataSourceOptions } from './src/database/data-source-options';
import { lockDataDir, releaseLock } from './src/database/embedded-postgres';

loadEnvFile();
const { database } = loadConfig();

function embeddedPgConfig(): Record<string, unknown> {
  const lockPath = lockDataDir(database.embeddedDir);
  process.on('exit', () => releaseLock(lockPath));
  return { ...createPgConfig(database.embeddedDir), max: 1 };
}

export default new DataSource(
  buildDataSourceOptions(database, database.url ? undefined : embeddedPgConfig()),
);
