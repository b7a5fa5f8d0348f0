import { Client } from 'pg';
import { CliRun, lines, runCli } from './support/cli';
import { createTestDatabase, dropTestDatabase } from './support/databases';

const DAY = 86_400_000;

/** `cli set-plan …` as an operator runs it. */
function runSetPlan(databaseUrl: string, args: string[]): Promise<CliRun> {
  return runCli('set-plan', args, { CLIPADOR_DATABASE_URL: databaseUrl });
}

describe('cli set-plan', () => {
  let database: { name: string; url: string };
  let db: Client;

  const addUser = async (username: string, email: string | null = null) =>
    (
      await db.query<{ id: number }>(
        `INSERT INTO users (username, hashed_password, role, email) VALUES ($1, 'x', 'viewer', $2)
         RETURNING id`,
        [username, email],
      )
    ).rows[0].id;

  const userRow = async (id: number) =>
    (
      await db.query(
        `SELECT u.plan, u.plan_expires_at, u.status, u.slots_base, u.email, u.kirvano_last_sale_id,
                c.slots_configured
         FROM users u LEFT JOIN user_channel_configs c ON c.user_id = u.id WHERE u.id = $1`,
        [id],
      )
    ).rows[0];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    if (database) await dropTestDatabase(database.name);
  });

  it('gives a plan with its base slots, days, extra slots and an e-mail', async () => {
    const id = await addUser('maria');
    await db.query(`UPDATE users SET status = 'canceled' WHERE id = $1`, [id]);
    const run = await runSetPlan(database.url, [
      'maria',
      'Mensal Plus',
      '--days',
      '10',
      '--slots',
      '20',
      '--email',
      'Maria@Example.com',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Set plan "Mensal Plus" for "maria" \\(id ${id}\\): expires \\S+Z, slots 20, e-mail maria@example.com$`,
        ),
      ),
    ]);
    const row = await userRow(id);
    expect(row).toMatchObject({
      plan: 'Mensal Plus',
      status: 'active',
      slots_base: 8,
      slots_configured: 20,
      email: 'maria@example.com',
    });
    expect((row.plan_expires_at.getTime() - Date.now()) / DAY).toBeCloseTo(10, 1);
  });

  it('sets an exact expiry with --expires, and applies a purchase made with the e-mail before', async () => {
    const id = await addUser('joao');
    // What the webhook leaves for a sale whose e-mail no user had.
    await db.query(
      `INSERT INTO purchases (sale_id, email, plan, status, raw_payload)
       VALUES ('SALE-CLI', 'joao@example.com', 'Anual Pro', 'approved',
               '{"customer":{"email":"joao@example.com","id":"cust-cli"}}')`,
    );
    await db.query(
      `INSERT INTO billing_events (event, sale_id, charge_key, payload_hash)
       VALUES ('sale_approved', 'SALE-CLI', 'k', 'h')`,
    );
    const exact = await runSetPlan(database.url, ['joao', 'Super', '--expires', '2030-01-01']);
    expect(exact.code).toBe(0);
    expect((await userRow(id)).plan_expires_at.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect((await userRow(id)).slots_base).toBe(999);

    const withEmail = await runSetPlan(database.url, [
      'joao',
      'free',
      '--email',
      'joao@example.com',
    ]);
    expect(withEmail.code).toBe(0);
    const row = await userRow(id);
    expect(row).toMatchObject({
      plan: 'Anual Pro',
      slots_base: 15,
      kirvano_last_sale_id: 'SALE-CLI',
    });
    // From the later of now and the expiry the run left (unchanged: 2030-01-01), plus 365 days.
    expect(row.plan_expires_at.toISOString()).toBe('2031-01-01T00:00:00.000Z');
  });

  it.each([
    [['nobody', 'Super'], 'Error: User "nobody" not found'],
    [
      ['maria', 'Super', '--days', '3', '--expires', '2030-01-01'],
      'Error: --expires and --days cannot be used together',
    ],
    [
      ['maria', 'Super', '--days', 'abc'],
      'Error: --days must be an integer from 1 to 36500 (got "abc")',
    ],
    [
      ['maria', 'Super', '--slots', '0'],
      'Error: --slots must be an integer from 1 to 999 (got "0")',
    ],
    [
      ['maria', 'Super', '--expires', 'tomorrow'],
      'Error: --expires must be an ISO 8601 date or date-time with a time zone (got "tomorrow")',
    ],
    [
      ['maria', 'Super', '--email', 'nope'],
      'Error: --email must be an e-mail address of at most 255 characters',
    ],
  ])('exits non-zero with one Error line for %j, changing nothing', async (args, message) => {
    const before = await db.query(`SELECT * FROM users ORDER BY id`);
    const run = await runSetPlan(database.url, args);
    expect(run.code).not.toBe(0);
    expect(lines(run.stderr)).toEqual([message]);
    expect(run.stdout).toBe('');
    expect((await db.query(`SELECT * FROM users ORDER BY id`)).rows).toEqual(before.rows);
  });

  it('refuses an e-mail another user has, whatever its case', async () => {
    await addUser('owner', 'owned@example.com');
    const id = await addUser('pedro');
    const run = await runSetPlan(database.url, ['pedro', 'Super', '--email', 'OWNED@example.com']);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual(['Error: Another user already has this e-mail']);
    expect(await userRow(id)).toMatchObject({ plan: 'free', email: null });
  });
});
