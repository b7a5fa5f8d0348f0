import { SecretBox } from '../../src/common/crypto/secret-box';
import { WebhookReceiver } from '../notification-simulators/webhook-receiver';
import { eventually } from './support/scenario';
import { PrivatePostgres } from './support/servers';
import { ServiceProcess } from './support/service-process';

/**
 * The outbox's guarantees with real worker processes (TARGETS reliability): a receiver that is
 * down for a while and comes back gets every notification, none twice by Idempotency-Key; a
 * worker SIGKILLed mid-send leaves its row to another worker, which sends it with the same key.
 */

const ENCRYPTION_KEY = 'cd'.repeat(32);
const box = new SecretBox(Buffer.from(ENCRYPTION_KEY, 'hex'));

describe('notifications when things fail', () => {
  let postgres: PrivatePostgres;
  let receiver: WebhookReceiver;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    [postgres, receiver] = await Promise.all([PrivatePostgres.start(), WebhookReceiver.start()]);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    receiver.setMode({ kind: 'ok' });
  });

  afterAll(async () => {
    await receiver?.close();
    await postgres?.destroy();
  });

  async function startWorker(name: string, env: Record<string, string> = {}) {
    const worker = await ServiceProcess.start({
      name,
      env: {
        CLIPADOR_ROLES: 'worker',
        CLIPADOR_DATABASE_URL: postgres.url(),
        CLIPADOR_ENCRYPTION_KEY: ENCRYPTION_KEY,
        CLIPADOR_NOTIFY_ALLOW_PRIVATE_HOSTS: 'true',
        CLIPADOR_NOTIFY_POLL_MS: '50',
        CLIPADOR_NOTIFY_RETRY_BASE_MS: '200',
        CLIPADOR_NOTIFY_TIMEOUT_MS: '1000',
        ...env,
      },
    });
    workers.push(worker);
    return worker;
  }

  /** A user with a webhook at `path` and `count` test notifications due; their keys. */
  async function dueNotifications(name: string, path: string, count: number): Promise<string[]> {
    const [user] = await postgres.query<{ id: number }>(
      `INSERT INTO users (username, hashed_password) VALUES ($1, 'x') RETURNING id`,
      [name],
    );
    await postgres.query(
      `INSERT INTO notification_channels (user_id, webhook_url, webhook_hint, webhook_secret)
       VALUES ($1, $2, 'hint', $3)`,
      [user.id, box.encrypt(receiver.url(path)), box.encrypt('whsec_fault')],
    );
    const keys = Array.from({ length: count }, (_, i) => `test:${name}:${i}:webhook`);
    await postgres.query(
      `INSERT INTO notifications (user_id, kind, channel, idempotency_key)
       SELECT $1, 'test', 'webhook', unnest($2::text[])`,
      [user.id, keys],
    );
    return keys;
  }

  async function statuses(keys: string[]): Promise<Record<string, number>> {
    const rows = await postgres.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM notifications
       WHERE idempotency_key = ANY($1::text[]) GROUP BY status`,
      [keys],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  it('delivers everything, once by key, to a receiver that was down and came back', async () => {
    await receiver.down();
    const keys = await dueNotifications('down-then-back', '/down', 40);
    await startWorker('worker-down');
    // Several rounds of refused connections, with backoff.
    await eventually('failed sends to be retried', async () => {
      const [row] = await postgres.query<{ attempts: number }>(
        `SELECT min(attempts)::int AS attempts FROM notifications WHERE idempotency_key = ANY($1)`,
        [keys],
      );
      return row.attempts >= 2;
    });
    expect(receiver.received).toHaveLength(0);
    await receiver.up();
    await eventually(
      'every notification sent',
      async () => (await statuses(keys)).sent === 40,
      30_000,
    );
    const delivered = receiver.deliveredKeys().filter((key) => keys.includes(key));
    expect(delivered.sort()).toEqual([...keys].sort());
    const [reason] = await postgres.query<{ errors: string[] }>(
      `SELECT array_agg(DISTINCT last_error) AS errors FROM notifications WHERE idempotency_key = ANY($1)`,
      [keys],
    );
    // Sent rows keep no error; nothing ever recorded a URL.
    expect(reason.errors).toEqual([null]);
  });

  it('resends with the same Idempotency-Key after a worker is killed mid-send', async () => {
    const [key] = await dueNotifications('killed-mid-send', '/killed', 1);
    receiver.setMode({ kind: 'hang' });
    const first = await startWorker('worker-killed', {
      CLIPADOR_NOTIFY_LEASE_MS: '2000',
      CLIPADOR_NOTIFY_TIMEOUT_MS: '60000',
    });
    await eventually('the send to reach the receiver', () =>
      receiver.received.some((request) => request.path === '/killed'),
    );
    await first.kill();
    receiver.setMode({ kind: 'ok' });
    await startWorker('worker-after', { CLIPADOR_NOTIFY_LEASE_MS: '2000' });
    await eventually('the resend', async () => (await statuses([key])).sent === 1, 20_000);
    const sends = receiver.received.filter((request) => request.path === '/killed');
    expect(sends).toHaveLength(2);
    expect(sends.map((request) => request.headers['idempotency-key'])).toEqual([key, key]);
    // Not before the killed worker's lease ran out.
    expect(sends[1].at - sends[0].at).toBeGreaterThanOrEqual(1500);
    const [row] = await postgres.query<{ attempts: number; status: string }>(
      'SELECT attempts, status FROM notifications WHERE idempotency_key = $1',
      [key],
    );
    expect(row).toEqual({ attempts: 2, status: 'sent' });
  });
});
