import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/configuration';
import { buildDataSourceOptions, runMigrations } from '../../src/database/data-source-options';
import { databaseUrl, withAdminClient } from './databases';

/**
 * Migrates one template database for this run; each spec file then copies it (CREATE DATABASE
 * … TEMPLATE), which is much faster than migrating a database per file.
 */
export default async function globalSetup(): Promise<void> {
  Logger.overrideLogger(false);
  const prefix = `clipador_test_${process.pid}_${Date.now().toString(36)}`;
  process.env.CLIPADOR_TEST_RUN_PREFIX = prefix;
  const template = `${prefix}_template`;
  await withAdminClient((client) => client.query(`CREATE DATABASE "${template}"`));

  const { database } = loadConfig({
    CLIPADOR_APP_ENV: 'test',
    CLIPADOR_DATABASE_URL: databaseUrl(template),
    CLIPADOR_DATABASE_LOGGING: 'false',
  });
  const dataSource = await new DataSource(buildDataSourceOptions(database)).initialize();
  try {
    await runMigrations(dataSource, false);
  } finally {
    await dataSource.destroy();
  }
}
