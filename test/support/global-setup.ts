import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { databaseUrl, migrateTemplate, withAdminClient } from './databases';

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

  await migrateTemplate(databaseUrl(template));
}
