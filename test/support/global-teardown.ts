import { withAdminClient } from './databases';

/** Drops the template and any database a crashed spec file left behind. */
export default async function globalTeardown(): Promise<void> {
  const prefix = process.env.CLIPADOR_TEST_RUN_PREFIX;
  if (!prefix) return;
  await withAdminClient(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}
