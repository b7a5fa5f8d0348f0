import { DataSource, DataSourceOptions } from 'typeorm';
import { DatabaseSection } from '../config/configuration';
import { ENTITIES } from './entities';
import { SLOW_QUERY_MS, TypeOrmLogger } from './typeorm-logger';
import { MIGRATIONS } from './migrations';

/**
 * TypeORM options for PostgreSQL, or for the embedded PGlite when its node-postgres
 * configuration is given. The schema is owned by migrations only: `synchronize` is never on.
 */
export function buildDataSourceOptions(
  database: DatabaseSection,
  embeddedPgConfig?: Record<string, unknown>,
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logger: new TypeOrmLogger(database.logging),
    maxQueryExecutionTime: SLOW_QUERY_MS,
  };
  if (embeddedPgConfig) {
    return { ...common, extra: embeddedPgConfig };
  }
  if (!database.url) throw new Error('A database URL or an embedded database is required');
  return {
    ...common,
    url: database.url,
    extra: {
      max: database.poolSize,
      // Fail fast instead of queueing forever when PostgreSQL is unreachable.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    },
  };
}

/** Arbitrary but fixed: every Clipador process agrees on it so only one migrates at a time. */
const MIGRATION_LOCK_KEY = 727_165_001;

/**
 * Brings the schema up to date. On PostgreSQL, replicas starting together serialise on an
 * advisory lock; the embedded database is one process by construction and has one connection,
 * which the lock would hold hostage.
 */
export async function runMigrations(dataSource: DataSource, embedded: boolean): Promise<string[]> {
  if (embedded) {
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  }
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } finally {
    await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await lockRunner.release();
  }
}
