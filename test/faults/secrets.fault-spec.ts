import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import Redis from 'ioredis';
import { minutesAgo } from '../support/ingestion';
import { TwitchSimulator } from '../twitch-simulator/twitch-simulator';
import { http, HttpAnswer, HttpOptions } from './support/http';
import { eventually } from './support/scenario';
import { FaultRig } from './support/rig';
import { PrivatePostgres, PrivateRedis } from './support/servers';
import { ServiceProcess } from './support/service-process';

/**
 * Secrets never leave the service: not in an API answer, not in a log line (at the most verbose
 * level, SQL logging on), not in a job payload or anything else kept in Redis, and not in plain
 * text in the database. The service runs as an api process and a worker process; the test does
 * what users and the scheduler do — including the mistakes and failures that put values into
 * error messages — and then searches everything it can see.
 */

const CANARY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A secret searched for whole and in every 8-character window: an error message that quotes part
 * of a request (JSON parsers quote ~10 characters around the error) must be caught too. Upper-case
 * base32, which no id, token or hash in the service's output is written in, so that a window
 * never matches by chance.
 */
function canary(label: string): { label: string; value: string } {
  const value = [...randomBytes(24)].map((byte) => CANARY_ALPHABET[byte % 32]).join('');
  return { label, value };
}

const JWT_SECRET = canary('jwt');
const CLIPADOR_SECRET = canary('clipador-app');
const ENCRYPTION_KEY = randomBytes(32).toString('hex');
const OWN_SECRET = canary('own-app');
const TRIAL_SECRET = canary('trial-app');
const WRONG_SECRET = canary('wrong-app');
const TYPO_SECRET = canary('typo');
const PASSWORD = canary('password');
const KIRVANO_TOKEN = canary('kirvano-token');
const WRONG_KIRVANO_TOKEN = canary('wrong-kirvano-token');
/** Personal data a Kirvano payload carries: kept in purchases, never in a log line or an answer. */
const BUYER = canary('buyer-email');
const BUYER_EMAIL = `${BUYER.value}@Example.com`;
const BUYER_NAME = canary('buyer-name');

/** Every window of `size` characters of the secret: a partial echo counts too. */
function fragments(secret: { value: string }, size = 8): string[] {
  const windows: string[] = [];
  for (let start = 0; start + size <= secret.value.length; start++) {
    windows.push(secret.value.slice(start, start + size));
  }
  return windows;
}

/** Everything Redis holds, as text: keys and values of every type. */
async function dumpRedis(redis: Redis): Promise<string> {
  const lines: string[] = [];
  for (const key of await redis.keys('*')) {
    const type = await redis.type(key);
    let value: unknown;
    if (type === 'string') value = await redis.get(key);
    else if (type === 'hash') value = await redis.hgetall(key);
    else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'set') value = await redis.smembers(key);
    else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else value = `(${type})`;
    lines.push(`${key} ${JSON.stringify(value)}`);
  }
  return lines.join('\n');
}

describe('secrets stay secret', () => {
  let rig: FaultRig;
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let sim: TwitchSimulator;
  const answers: string[] = [];
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let redisDump: string;
  let databaseDump: string;

  async function call(path: string, options: HttpOptions = {}): Promise<HttpAnswer> {
    const answer = await http(api.baseUrl, path, options);
    answers.push(
      `${options.method ?? 'GET'} ${path} → ${answer.status} ${JSON.stringify(answer.headers)} ${answer.text}`,
    );
    return answer;
  }

  beforeAll(async () => {
    rig = await FaultRig.start({ clipadorApp: false });
    ({ postgres, redis, sim } = rig);
    sim.addApp('clipador-app', CLIPADOR_SECRET.value);
    sim.addApp('own-app', OWN_SECRET.value);
    sim.addApp('trial-app', TRIAL_SECRET.value);
    // Registered with another secret than the streamer gives: Twitch refuses the streamer's.
    sim.addApp('wrong-app', `not-${WRONG_SECRET.value}`);
    for (const streamer of ['4001', '4002', '4003', '4004']) {
      for (const at of [9, 8.5, 8])
        sim.addClip({ broadcaster_id: streamer, created_at: minutesAgo(at) });
    }
    await postgres.query(
      `INSERT INTO users (username, hashed_password, role) VALUES ('admin', $1, 'admin')`,
      [bcrypt.hashSync(PASSWORD.value, 4)],
    );

    const env = {
      CLIPADOR_DATABASE_URL: postgres.url(),
      CLIPADOR_REDIS_URL: redis.url,
      CLIPADOR_JWT_SECRET: JWT_SECRET.value,
      CLIPADOR_ENCRYPTION_KEY: ENCRYPTION_KEY,
      CLIPADOR_TWITCH_API_URL: sim.helixUrl,
      CLIPADOR_TWITCH_AUTH_URL: sim.authUrl,
      CLIPADOR_TWITCH_CLIENT_ID: 'clipador-app',
      CLIPADOR_TWITCH_CLIENT_SECRET: CLIPADOR_SECRET.value,
      CLIPADOR_TWITCH_RETRY_BASE_MS: '20',
      CLIPADOR_KIRVANO_TOKEN: KIRVANO_TOKEN.value,
      // Everything that can be logged is.
      CLIPADOR_LOG_LEVEL: 'trace',
      CLIPADOR_DATABASE_LOGGING: 'true',
    };
    [api, worker] = await Promise.all([
      ServiceProcess.start({ name: 'api', env: { ...env, CLIPADOR_ROLES: 'api' } }),
      ServiceProcess.start({ name: 'worker', env: { ...env, CLIPADOR_ROLES: 'worker,scheduler' } }),
    ]);

    // What a user does, mistakes included.
    await call('/auth/login', {
      method: 'POST',
      body: { username: 'admin', password: `${PASSWORD.value}x` },
    });
    await call('/auth/login', {
      method: 'POST',
      body: { username: 'nobody-canary-user', password: PASSWORD.value },
    });
    const login = await call('/auth/login', {
      method: 'POST',
      body: { username: 'admin', password: PASSWORD.value },
    });
    expect(login.status).toBe(200);
    const tokens = login.body as { access_token: string; refresh_token: string };
    const auth = { Authorization: `Bearer ${tokens.access_token}` };
    const created = [
      {
        twitch_user_id: '4001',
        api_mode: 'client',
        client_twitch_client_id: 'own-app',
        client_twitch_client_secret: OWN_SECRET.value,
      },
      {
        twitch_user_id: '4002',
        api_mode: 'clipador_trial',
        trial_expires_at: new Date(Date.now() - 60_000).toISOString(),
        client_twitch_client_id: 'trial-app',
        client_twitch_client_secret: TRIAL_SECRET.value,
      },
      {
        twitch_user_id: '4003',
        api_mode: 'client',
        client_twitch_client_id: 'wrong-app',
        client_twitch_client_secret: WRONG_SECRET.value,
      },
      { twitch_user_id: '4004' },
    ];
    for (const body of created) {
      expect((await call('/streams', { method: 'POST', headers: auth, body })).status).toBe(201);
    }
    const refused = [
      // Already there (409), with the secret again.
      created[0],
      // The secret where a number goes, an unknown field holding it, a secret with a space.
      { twitch_user_id: '4005', monitor_min_clips: TYPO_SECRET.value },
      { twitch_user_id: '4005', client_secret: TYPO_SECRET.value },
      {
        twitch_user_id: '4005',
        client_twitch_client_id: 'x',
        client_twitch_client_secret: `a ${TYPO_SECRET.value}`,
      },
    ];
    for (const body of refused) {
      const status = (await call('/streams', { method: 'POST', headers: auth, body })).status;
      expect([400, 409]).toContain(status);
    }
    // Malformed JSON: a parser's error message quotes the text around the error.
    for (const text of [
      `{"twitch_user_id":"4006","client_twitch_client_secret":${TYPO_SECRET.value}}`,
      `{"client_twitch_client_secret":"${TYPO_SECRET.value}",}`,
      TYPO_SECRET.value,
    ]) {
      expect((await call('/streams', { method: 'POST', headers: auth, body: text })).status).toBe(
        400,
      );
    }
    await call('/auth/login', {
      method: 'POST',
      body: `{"username":"admin","password":${PASSWORD.value}}`,
    });

    // The admin's channel: every streamer attached (two with their own secrets), so the syncs
    // below deliver to it; refused attaches carry a secret where it does not belong.
    expect(
      (await call('/config/me', { method: 'PUT', headers: auth, body: { slots_configured: 10 } }))
        .status,
    ).toBe(200);
    for (const { twitch_user_id } of created) {
      const body = { twitch_user_id, monitor_interval_seconds: 120, monitor_min_clips: 2 };
      expect(
        (await call('/config/me/streamers', { method: 'POST', headers: auth, body })).status,
      ).toBe(201);
    }
    for (const body of [
      { twitch_user_id: '4005', client_twitch_client_secret: TYPO_SECRET.value },
      { twitch_user_id: '4005', monitor_min_clips: TYPO_SECRET.value },
      // Shaped like a login: looked up on Twitch, which does not know it (404).
      { twitch_user_id: TYPO_SECRET.value },
    ]) {
      const status = (await call('/config/me/streamers', { method: 'POST', headers: auth, body }))
        .status;
      expect([400, 404]).toContain(status);
    }
    expect(
      (
        await call('/config/me/streamers', {
          method: 'POST',
          headers: auth,
          body: `{"twitch_user_id":"4005","label":${TYPO_SECRET.value}}`,
        })
      ).status,
    ).toBe(400);

    // Two sync cycles, through the queue, on the worker process.
    for (let cycle = 0; cycle < 2; cycle++) {
      const before = ((await call('/health/worker')).body as { last_sync_at?: string })
        ?.last_sync_at;
      expect((await call('/ingestion/sync', { method: 'POST', headers: auth })).status).toBe(202);
      await eventually('the sync cycle to finish', async () => {
        const after = ((await call('/health/worker')).body as { last_sync_at?: string })
          ?.last_sync_at;
        return after !== undefined && after !== null && after !== before;
      });
    }

    // Kirvano: a sale for an e-mail no user has (kept as a pending purchase), its redelivery,
    // a renewal, a cancel, a wrong token, bad bodies that carry the buyer's data.
    const kirvano = (body: unknown, token = KIRVANO_TOKEN.value) =>
      call('/webhooks/kirvano', { method: 'POST', headers: { 'Security-Token': token }, body });
    const purchase = {
      event: 'SALE_APPROVED',
      sale_id: 'SECRETS-SALE-1',
      status: 'APPROVED',
      customer: { id: 'cust-secrets', name: BUYER_NAME.value, email: BUYER_EMAIL },
      products: [{ offer_name: 'Mensal Plus' }],
    };
    expect((await kirvano(purchase)).status).toBe(200);
    expect((await kirvano(purchase)).status).toBe(200);
    expect(
      (await kirvano({ ...purchase, event: 'subscription.renewed', period: '2' })).status,
    ).toBe(200);
    expect((await kirvano({ ...purchase, event: 'subscription.canceled' })).status).toBe(200);
    expect((await kirvano(purchase, WRONG_KIRVANO_TOKEN.value)).status).toBe(403);
    expect((await kirvano({ ...purchase, sale_id: undefined })).status).toBe(400);
    expect(
      (await kirvano({ ...purchase, customer: { name: BUYER_NAME.value, email: BUYER.value } }))
        .status,
    ).toBe(400);
    expect(
      (await kirvano(`{"customer":{"email":"${BUYER_EMAIL}","name":${BUYER_NAME.value}}}`)).status,
    ).toBe(400);

    // Everything else a client can ask.
    await call('/public/clips');
    await call('/streams', { headers: auth });
    await call('/auth/me', { headers: auth });
    await call('/clips/bursts/recent?since_minutes=240', { headers: auth });
    await call('/monitoring/presets', { headers: auth });
    await call('/monitoring/resolve', {
      method: 'POST',
      headers: auth,
      body: { modo: 'RAPIDO', viewers: 500 },
    });
    const config = await call('/config/me', { headers: auth });
    const attachedIds = (
      config.body as { streamers: Array<{ streamer_id: number }> }
    ).streamers.map((entry) => entry.streamer_id);
    await call('/config/me/streamers/reorder', {
      method: 'POST',
      headers: auth,
      body: { streamer_ids: [...attachedIds].reverse() },
    });
    await call('/config/me/history?limit=200', { headers: auth });
    await call(`/config/me/streamers/${attachedIds[0]}`, { method: 'DELETE', headers: auth });
    await call('/health');
    await call('/health/ready');
    await call('/docs-json');
    await call('/auth/refresh', { method: 'POST', body: { refresh_token: tokens.refresh_token } });
    await call('/auth/refresh', { method: 'POST', body: { refresh_token: tokens.refresh_token } });
    await call('/auth/logout', { method: 'POST', headers: auth });

    const inspector = redis.client();
    try {
      redisDump = await dumpRedis(inspector);
    } finally {
      inspector.disconnect();
    }
    const tables = await postgres.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    const rows: string[] = [];
    for (const { table_name } of tables) {
      const dump = await postgres.query(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      rows.push(...dump.map((row) => `${table_name} ${String(row.row)}`));
    }
    databaseDump = rows.join('\n');
    await Promise.all([api.terminate(), worker.terminate()]);
  });

  afterAll(async () => {
    await Promise.all([api?.kill(), worker?.kill()]);
    await rig?.stop();
  });

  const secrets = [
    JWT_SECRET,
    CLIPADOR_SECRET,
    OWN_SECRET,
    TRIAL_SECRET,
    WRONG_SECRET,
    TYPO_SECRET,
    PASSWORD,
    KIRVANO_TOKEN,
    WRONG_KIRVANO_TOKEN,
  ];

  it('saw what it searches: answers, logs of both processes, job payloads, rows', () => {
    expect(answers.length).toBeGreaterThan(30);
    // The streamers were synced (or reported) by the worker, through Bull jobs in Redis.
    expect(worker.logs().filter((line) => line.msg === 'ingestion_streamer_done')).toHaveLength(6);
    expect(worker.output()).toContain('twitch_credentials_rejected');
    expect(worker.output()).toContain('wrong-app');
    expect(api.output()).toContain('nobody-canary-user');
    expect(api.output()).toContain('sql_query');
    expect(redisDump).toMatch(/clipador\.ingestion\.sync-streamer/);
    expect(redisDump).toMatch(/"data":"\{\\"cycleId\\"/);
    expect(databaseDump).toMatch(/client_twitch_client_secret":"v1:/);
    // The syncs delivered to the admin's channel, and the history answered them.
    expect(worker.logs().some((line) => line.msg === 'deliveries_written')).toBe(true);
    expect(databaseDump).toMatch(/^clip_deliveries /m);
    expect(answers.join('\n')).toMatch(/"clip_external_id"/);
  });

  it.each(secrets.map((secret) => [secret.label, secret] as const))(
    'finds no trace of the %s secret in any answer, log line, Redis value or database row',
    (_label, secret) => {
      const haystacks = {
        answers: answers.join('\n'),
        'api logs': api.output(),
        'worker logs': worker.output(),
        redis: redisDump,
        database: databaseDump,
      };
      const hits = Object.entries(haystacks).flatMap(([where, text]) =>
        fragments(secret)
          .filter((fragment) => text.includes(fragment))
          .map((fragment) => `${where}: ${fragment}`),
      );
      expect(hits).toEqual([]);
    },
  );

  it.each([
    ['buyer e-mail', BUYER],
    ['buyer e-mail, lower-cased', { value: BUYER.value.toLowerCase() }],
    ['buyer name', BUYER_NAME],
  ] as const)(
    'finds no trace of the Kirvano payload (%s) in any answer, log line or Redis value',
    (_label, secret) => {
      const haystacks = {
        answers: answers.join('\n'),
        'api logs': api.output(),
        'worker logs': worker.output(),
        redis: redisDump,
      };
      const hits = Object.entries(haystacks).flatMap(([where, text]) =>
        fragments(secret)
          .filter((fragment) => text.includes(fragment))
          .map((fragment) => `${where}: ${fragment}`),
      );
      expect(hits).toEqual([]);
    },
  );

  it('saw the Kirvano events: logged without personal data, the purchase kept in the database', () => {
    expect(api.logs().filter((line) => line.msg === 'billing_event').length).toBeGreaterThanOrEqual(
      3,
    );
    expect(api.output()).toContain('billing_token_refused');
    expect(databaseDump).toContain(BUYER.value.toLowerCase());
  });

  it('finds no trace of the encryption key either', () => {
    const text = [answers.join('\n'), api.output(), worker.output(), redisDump, databaseDump].join(
      '\n',
    );
    expect(text).not.toContain(ENCRYPTION_KEY);
    expect(text).not.toContain(Buffer.from(ENCRYPTION_KEY, 'hex').toString('base64'));
  });
});
