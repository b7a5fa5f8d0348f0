import { metricsRegistry } from '../src/metrics/metrics.registry';
import { TEST_REDIS_URL } from './support/databases';
import { loginAs, Session } from './support/factories';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from './support/ingestion';
import { eventually, listNotifications, putConfig } from './support/notifications';
import { startTestApp, TestApp } from './support/test-app';
import { DiscordSimulator } from './notification-simulators/discord-simulator';
import { TelegramSimulator } from './notification-simulators/telegram-simulator';
import { verifySignature, WebhookReceiver } from './notification-simulators/webhook-receiver';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

interface WebhookEventJson {
  type: string;
  id: string;
  data: {
    streamer?: { display_name: string };
    burst?: { id: number; clip_count: number; ao_vivo: boolean; clipes: Array<{ url: string }> };
  };
}

/**
 * PRODUCT §17 end to end, every channel against its simulator: the settings (masked, encrypted,
 * the secret once), Telegram's /start link, a burst reaching each channel once, a grown burst
 * editing, "now live" once per session, 429s waited out, a dead receiver retried then failed,
 * a redirect refused, the test send and the list of outcomes.
 */
describe('notifications', () => {
  const BROADCASTER = '7101';
  let twitch: TwitchSimulator;
  let telegram: TelegramSimulator;
  let discord: DiscordSimulator;
  let receiver: WebhookReceiver;
  let api: TestApp;
  let admin: Session;
  let viewer: Session;
  let webhookSecret: string;
  let discordUrl: string;
  const CHAT_ID = 555_001;
  const anchorAt = minutesAgo(5);
  const at = (seconds: number) => new Date(anchorAt.getTime() + seconds * 1000);

  beforeAll(async () => {
    twitch = await TwitchSimulator.start();
    twitch.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    telegram = await TelegramSimulator.start();
    discord = await DiscordSimulator.start();
    receiver = await WebhookReceiver.start();
    api = await startTestApp({
      env: {
        ...simulatorEnv(twitch),
        CLIPADOR_ROLES: 'api,worker',
        CLIPADOR_NOTIFY_ALLOW_PRIVATE_HOSTS: 'true',
        CLIPADOR_TELEGRAM_BOT_TOKEN: telegram.token,
        CLIPADOR_TELEGRAM_API_URL: telegram.apiUrl,
        CLIPADOR_DISCORD_API_URL: discord.apiUrl,
        CLIPADOR_NOTIFY_POLL_MS: '50',
        CLIPADOR_NOTIFY_RETRY_BASE_MS: '100',
        CLIPADOR_NOTIFY_MAX_ATTEMPTS: '3',
        CLIPADOR_NOTIFY_TIMEOUT_MS: '1000',
      },
    });
    admin = await loginAs(api, 'admin');
    viewer = await loginAs(api, 'viewer');
    await api
      .http()
      .post('/streams')
      .set('Authorization', admin.bearer)
      .send({ twitch_user_id: BROADCASTER, display_name: 'Gaules', monitor_min_clips: 2 })
      .expect(201);
    await api
      .http()
      .post('/config/me/streamers')
      .set('Authorization', viewer.bearer)
      .send({ twitch_user_id: BROADCASTER })
      .expect(201);
  });

  afterAll(async () => {
    await api.close();
    await Promise.all([twitch.close(), telegram.close(), discord.close(), receiver.close()]);
  });

  describe('settings', () => {
    it('stores the webhook encrypted, answers a mask, and gives its secret once', async () => {
      const url = receiver.url('/viewer?token=abc123');
      const set = await putConfig(api, viewer, { notify_webhook_url: url }).expect(200);
      expect(set.body.notify_webhook_configured).toBe(true);
      expect(set.body.notify_webhook_url).toBe(`http://127.0.0.1:${receiver.port}/…c123`);
      expect(set.body.notify_webhook_secret).toMatch(/^whsec_[0-9a-f]{48}$/);
      webhookSecret = set.body.notify_webhook_secret;

      const read = await api
        .http()
        .get('/config/me')
        .set('Authorization', viewer.bearer)
        .expect(200);
      expect(read.body.notify_webhook_url).toBe(set.body.notify_webhook_url);
      expect(read.body).not.toHaveProperty('notify_webhook_secret');
      expect(JSON.stringify(read.body)).not.toContain('token=abc123');

      const [row] = await api.dataSource.query(
        'SELECT webhook_url, webhook_secret FROM notification_channels WHERE user_id = $1',
        [viewer.user.id],
      );
      expect(row.webhook_url).toMatch(/^v1:/);
      expect(row.webhook_url).not.toContain('127.0.0.1');
      expect(row.webhook_secret).not.toContain(webhookSecret);

      // The mask sent back (with another field) changes nothing and shows no new secret.
      const again = await putConfig(api, viewer, {
        notify_webhook_url: set.body.notify_webhook_url,
        notify_online: true,
      }).expect(200);
      expect(again.body).not.toHaveProperty('notify_webhook_secret');
      const [same] = await api.dataSource.query(
        'SELECT webhook_url FROM notification_channels WHERE user_id = $1',
        [viewer.user.id],
      );
      expect(same.webhook_url).toBe(row.webhook_url);
    });

    it('accepts only Discord webhook URLs for Discord, and null removes a channel', async () => {
      const bad = await putConfig(api, viewer, {
        notify_discord_webhook_url: receiver.url('/api/webhooks/1/abc'),
      }).expect(400);
      expect(bad.body.detail).toContain('notify_discord_webhook_url');
      discordUrl = discord.createWebhook();
      const set = await putConfig(api, viewer, { notify_discord_webhook_url: discordUrl }).expect(
        200,
      );
      expect(set.body.notify_discord_configured).toBe(true);
      expect(set.body.notify_discord_webhook_url).toMatch(/\/webhooks\/\d{4}…\/…/);
      expect(set.body.notify_discord_webhook_url).not.toBe(discordUrl);

      const other = await loginAs(api, 'viewer');
      await putConfig(api, other, { notify_discord_webhook_url: discord.createWebhook() }).expect(
        200,
      );
      const removed = await putConfig(api, other, { notify_discord_webhook_url: null }).expect(200);
      expect(removed.body).toMatchObject({
        notify_discord_configured: false,
        notify_discord_webhook_url: null,
      });
    });

    it('links Telegram through the bot’s /start <nonce>, never a typed chat id', async () => {
      const typed = await putConfig(api, viewer, { notify_telegram_chat_id: '123' }).expect(400);
      expect(typed.body.detail).toContain('notify_telegram_chat_id');
      const link = await api
        .http()
        .post('/config/me/telegram/link')
        .set('Authorization', viewer.bearer)
        .expect(200);
      const match = (link.body.url as string).match(
        /^https:\/\/t\.me\/ClipadorTestBot\?start=([\w-]+)$/,
      );
      expect(match).not.toBeNull();
      telegram.userSends(CHAT_ID + 1, '/start not-a-real-nonce', 'intruder');
      telegram.userSends(CHAT_ID, `/start ${match![1]}`, 'viewer_tg');
      const config = await eventually(
        async () => {
          const read = await api.http().get('/config/me').set('Authorization', viewer.bearer);
          return read.body.notify_telegram_linked ? read.body : undefined;
        },
        10_000,
        'the Telegram link',
      );
      expect(config.notify_telegram_hint).toBe('@viewer_tg');
      await eventually(() => (telegram.messagesTo(CHAT_ID + 1).length > 0 ? true : undefined));
      expect(telegram.messagesTo(CHAT_ID + 1)[0].text).toContain('expirou');
      expect(telegram.messagesTo(CHAT_ID)[0].text).toContain('vinculado');
      // The nonce is single use: a second /start with it binds nothing.
      const [row] = await api.dataSource.query(
        'SELECT count(*)::int AS n FROM telegram_link_nonces WHERE user_id = $1',
        [viewer.user.id],
      );
      expect(row.n).toBe(0);
    });
  });

  describe('a burst', () => {
    it('reaches each channel once, "now live" once, and a growth edits', async () => {
      twitch.setLive(
        BROADCASTER,
        { title: 'Major', game_name: 'CS2', viewer_count: 500 },
        at(-600),
      );
      for (const seconds of [0, 10, 20]) {
        twitch.addClip({
          broadcaster_id: BROADCASTER,
          created_at: at(seconds),
          title: `Clip ${seconds}`,
        });
      }
      const telegramBefore = telegram.messagesTo(CHAT_ID).length;
      await syncAndWait(api, admin.bearer);
      // Read (and cached) right after the sync, most likely before "now live" is sent: the send
      // itself must move the cache's counter for the value below to show.
      const lastNotified = async () => {
        const response = await api
          .http()
          .get('/config/me')
          .set('Authorization', viewer.bearer)
          .expect(200);
        const body = response.body as {
          streamers: Array<{ status: { last_notified: string | null } | null }>;
        };
        return body.streamers[0].status?.last_notified ?? null;
      };
      await lastNotified();

      const events = () =>
        receiver.received
          .filter((r) => r.path.startsWith('/viewer'))
          .map((r) => ({ request: r, event: JSON.parse(r.body) as WebhookEventJson }));
      await eventually(
        () =>
          events().filter((e) => e.event.type === 'burst.created').length === 1 ? true : undefined,
        10_000,
        'burst.created at the webhook',
      );
      await eventually(() => (discord.messagesOf(discordUrl).length === 2 ? true : undefined));
      await eventually(() =>
        telegram.messagesTo(CHAT_ID).length === telegramBefore + 2 ? true : undefined,
      );
      const created = events().find((e) => e.event.type === 'burst.created')!;
      expect(created.event.data.burst).toMatchObject({ clip_count: 3, ao_vivo: true });
      expect(created.event.data.streamer?.display_name).toBe('Gaules');
      expect(created.request.headers['idempotency-key']).toBe(created.event.id);
      expect(
        verifySignature(
          created.request.headers['x-clipador-signature'] as string,
          created.request.body,
          webhookSecret,
        ),
      ).toBe(true);
      expect(events().filter((e) => e.event.type === 'streamer.online')).toHaveLength(1);
      // /config/me's last_notified: the newest sent "now live" of this user, any channel.
      const liveSentAt = await eventually(async () => {
        const live = (await listNotifications(api, viewer)).filter((i) => i.kind === 'live');
        if (live.length !== 3 || live.some((i) => i.sent_at === null)) return undefined;
        return live.map((i) => i.sent_at!).sort()[2];
      });
      expect(await lastNotified()).toBe(liveSentAt);
      const burstMessage = telegram.messagesTo(CHAT_ID).find((m) => m.text.includes('clipes'))!;
      expect(burstMessage.text).toContain('AO VIVO');
      expect(burstMessage.text).toContain('3 clipes');
      expect(burstMessage.parse_mode).toBe('HTML');

      // The burst grows: the Telegram and Discord messages are edited, the webhook gets burst.grown.
      for (const seconds of [30, 40]) {
        twitch.addClip({
          broadcaster_id: BROADCASTER,
          created_at: at(seconds),
          title: `Clip ${seconds}`,
        });
      }
      await syncAndWait(api, admin.bearer);
      await eventually(
        () => (events().some((e) => e.event.type === 'burst.grown') ? true : undefined),
        10_000,
        'burst.grown',
      );
      await eventually(() => (burstMessage.versions.length === 2 ? true : undefined));
      expect(burstMessage.text).toContain('5 clipes');
      const discordBurst = discord
        .messagesOf(discordUrl)
        .find((m) => JSON.stringify(m.embeds).includes('clipes'))!;
      await eventually(() => (discordBurst.versions.length === 2 ? true : undefined));
      expect(JSON.stringify(discordBurst.embeds)).toContain('5 clipes');
      const grown = events().find((e) => e.event.type === 'burst.grown')!;
      expect(grown.event.data.burst?.clip_count).toBe(5);

      // Another cycle with nothing new: nothing more is sent, and each key arrived once.
      await syncAndWait(api, admin.bearer);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const keys = receiver.deliveredKeys();
      expect(new Set(keys).size).toBe(keys.length);
      expect(
        events()
          .map((e) => e.event.type)
          .sort(),
      ).toEqual(['burst.created', 'burst.grown', 'streamer.online']);
      expect(discord.messagesOf(discordUrl)).toHaveLength(2);
      expect(discord.calls.filter((call) => call.status === 429)).toHaveLength(0);
      const items = await listNotifications(api, viewer);
      expect(items.filter((i) => i.status !== 'sent')).toEqual([]);
      // Counted in /metrics by channel and outcome (§18).
      const metrics = await metricsRegistry.getSingleMetricAsString('clipador_notifications_total');
      for (const channel of ['webhook', 'discord', 'telegram']) {
        expect(metrics).toMatch(
          new RegExp(`clipador_notifications_total\\{channel="${channel}",outcome="sent"\\} [1-9]`),
        );
      }
      expect(items.map((i) => `${i.kind}:${i.channel}`).sort()).toEqual([
        'burst:discord',
        'burst:telegram',
        'burst:webhook',
        'burst_grown:discord',
        'burst_grown:telegram',
        'burst_grown:webhook',
        'live:discord',
        'live:telegram',
        'live:webhook',
      ]);
    });
  });

  describe('the partner modes', () => {
    it('sends a chefe_clip once per channel to somente_chefe, none to somente_bot', async () => {
      const chefeUser = await loginAs(api, 'viewer');
      await putConfig(api, chefeUser, {
        partner_mode: 'somente_chefe',
        clipador_chefe_username: 'ChefeDoCorte',
        notify_webhook_url: receiver.url('/chefe'),
      }).expect(200);
      await api
        .http()
        .post('/config/me/streamers')
        .set('Authorization', chefeUser.bearer)
        .send({ twitch_user_id: BROADCASTER })
        .expect(201);
      // One clip on its own (past the burst's window: no burst), by the chefe, in lower case.
      const clip = twitch.addClip({
        broadcaster_id: BROADCASTER,
        created_at: at(250),
        title: 'O corte do chefe',
        creator_name: 'chefedocorte',
      });
      const viewerBefore = (await listNotifications(api, viewer)).length;
      await syncAndWait(api, admin.bearer);

      const chefeEvents = () =>
        receiver.received
          .filter((r) => r.path === '/chefe')
          .map((r) => ({
            request: r,
            event: JSON.parse(r.body) as WebhookEventJson & {
              data: { clip?: { id: string; url: string; title: string; creator_name: string } };
            },
          }));
      await eventually(
        () => (chefeEvents().length === 1 ? true : undefined),
        10_000,
        'clip.chefe at the webhook',
      );
      const [{ request, event }] = chefeEvents();
      expect(event.type).toBe('clip.chefe');
      expect(event.id).toBe(request.headers['idempotency-key']);
      expect(event.data.streamer?.display_name).toBe('Gaules');
      expect(event.data.clip).toMatchObject({
        id: clip.id,
        url: clip.url,
        title: 'O corte do chefe',
        creator_name: 'chefedocorte',
      });

      // Re-running the sync adds nothing; the somente_bot viewer got nothing for this clip.
      await syncAndWait(api, admin.bearer);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(chefeEvents()).toHaveLength(1);
      const items = await listNotifications(api, chefeUser);
      expect(items.map((i) => `${i.kind}:${i.channel}:${i.status}`)).toEqual([
        'chefe_clip:webhook:sent',
      ]);
      const viewerItems = await listNotifications(api, viewer);
      expect(viewerItems).toHaveLength(viewerBefore);
      expect(viewerItems.filter((i) => i.kind === 'chefe_clip')).toEqual([]);
    });
  });

  describe('destinations that push back', () => {
    async function userWithWebhook(path: string): Promise<Session> {
      const user = await loginAs(api, 'viewer');
      await putConfig(api, user, { notify_webhook_url: receiver.url(path) }).expect(200);
      return user;
    }
    const requestsTo = (path: string) => receiver.received.filter((r) => r.path === path);
    /** POST /config/me/notifications/test, then the user's notification once it has failed. */
    async function testSendFails(user: Session) {
      await api
        .http()
        .post('/config/me/notifications/test')
        .set('Authorization', user.bearer)
        .expect(202);
      return eventually(async () => {
        const [row] = await listNotifications(api, user);
        return row?.status === 'failed' ? row : undefined;
      }, 10_000);
    }

    it('waits out a 429’s Retry-After before sending again', async () => {
      const user = await userWithWebhook('/limited');
      receiver.setMode({ kind: 'rate_limit', retryAfterSeconds: 1, times: 1 });
      await api
        .http()
        .post('/config/me/notifications/test')
        .set('Authorization', user.bearer)
        .expect(202);
      await eventually(() => (requestsTo('/limited').length === 2 ? true : undefined), 10_000);
      const [first, second] = requestsTo('/limited');
      expect([first.status, second.status]).toEqual([429, 200]);
      expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
      expect(second.headers['idempotency-key']).toBe(first.headers['idempotency-key']);
      const [item] = await listNotifications(api, user);
      expect(item).toMatchObject({ kind: 'test', status: 'sent', attempts: 1 });
    });

    it('retries a dead receiver with backoff, then marks it failed with the reason', async () => {
      const user = await userWithWebhook('/dead');
      receiver.setMode({ kind: 'fail', status: 503 });
      try {
        const item = await testSendFails(user);
        expect(item).toMatchObject({ attempts: 3, last_error: 'http_503' });
        const tries = requestsTo('/dead');
        expect(tries).toHaveLength(3);
        // Backoff: 100 ms, then 200 ms.
        expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(100);
        expect(tries[2].at - tries[1].at).toBeGreaterThanOrEqual(200);
      } finally {
        receiver.setMode({ kind: 'ok' });
      }
    });

    it('refuses to follow a redirect', async () => {
      const user = await userWithWebhook('/moved');
      receiver.setMode({ kind: 'redirect', location: receiver.url('/elsewhere') });
      try {
        const item = await testSendFails(user);
        expect(item).toMatchObject({ attempts: 1, last_error: 'redirect_refused' });
        expect(requestsTo('/elsewhere')).toHaveLength(0);
      } finally {
        receiver.setMode({ kind: 'ok' });
      }
    });

    it('honours Discord’s retry_after and Telegram’s parameters.retry_after', async () => {
      const user = await loginAs(api, 'viewer');
      const hook = discord.createWebhook();
      await putConfig(api, user, { notify_discord_webhook_url: hook }).expect(200);
      discord.rateLimitNext(1, 0.5);
      await api
        .http()
        .post('/config/me/notifications/test')
        .set('Authorization', user.bearer)
        .expect(202);
      await eventually(() => (discord.messagesOf(hook).length === 1 ? true : undefined), 10_000);
      const calls = discord.calls.filter((call) => hook.endsWith(call.path));
      expect(calls.map((call) => call.status)).toEqual([429, 200]);
      expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(500);

      telegram.rateLimitNext(1, 1);
      const before = telegram.calls.length;
      await api
        .http()
        .post('/config/me/notifications/test')
        .set('Authorization', viewer.bearer)
        .expect(202);
      await eventually(
        () =>
          telegram.messagesTo(CHAT_ID).some((m) => m.text.includes('Teste')) ? true : undefined,
        10_000,
      );
      const sends = telegram.calls.slice(before).filter((call) => call.method === 'sendMessage');
      expect(sends[0].errorCode).toBe(429);
      const delivered = sends.find((call) => call.errorCode === undefined)!;
      expect(delivered.at - sends[0].at).toBeGreaterThanOrEqual(1000);
    });

    it('answers 409 for a test with no channel, and validates the list’s limit', async () => {
      const user = await loginAs(api, 'viewer');
      const none = await api
        .http()
        .post('/config/me/notifications/test')
        .set('Authorization', user.bearer)
        .expect(409);
      expect(none.body.code).toBe('no_notification_channels');
      for (const limit of ['0', '201', 'abc', '1.5']) {
        await api
          .http()
          .get(`/config/me/notifications?limit=${limit}`)
          .set('Authorization', user.bearer)
          .expect(400);
      }
    });
  });
});

/** The SSRF guard at save and at send, with the guard on (CLIPADOR_NOTIFY_ALLOW_PRIVATE_HOSTS unset). */
describe('notifications: the SSRF guard', () => {
  let api: TestApp;
  let user: Session;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    api = await startTestApp({ env: { CLIPADOR_ROLES: 'api' } });
    user = await loginAs(api, 'viewer');
  });
  afterAll(async () => {
    await api.close();
    await receiver.close();
  });

  it.each([
    ['loopback', 'http://127.0.0.1:9/hook'],
    ['a DNS name resolving to loopback', 'http://localhost:9/hook'],
    ['private', 'http://10.1.2.3/hook'],
    ['CGNAT', 'http://100.64.0.1/hook'],
    ['link-local metadata', 'http://169.254.169.254/latest/meta-data'],
    ['0.0.0.0/8', 'http://0.0.0.0/'],
    ['IPv6 loopback', 'http://[::1]/'],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]/'],
    ['NAT64', 'http://[64:ff9b::a00:1]/'],
    ['6to4', 'http://[2002:a00:1::]/'],
    ['ULA', 'http://[fd00::1]/'],
    ['credentials in the URL', 'https://user:pw@example.com/'],
    ['not http', 'ftp://example.com/'],
  ])('refuses %s at save, naming the field', async (_, url) => {
    const answer = await putConfig(api, user, { notify_webhook_url: url }).expect(400);
    expect(answer.body.code).toBe('validation_failed');
    expect(answer.body.detail).toContain('notify_webhook_url');
    expect(answer.body.detail).not.toContain(url);
  });

  it('refuses at send too (an address that changed since the save) and records why', async () => {
    const { SecretBox } = await import('../src/common/crypto/secret-box');
    const { NotificationDispatcher } = await import('../src/notifications/notification-dispatcher');
    const box = api.app.get(SecretBox);
    await api.dataSource.query(
      `INSERT INTO notification_channels (user_id, webhook_url, webhook_hint, webhook_secret)
       VALUES ($1, $2, 'x', $3)`,
      [user.user.id, box.encrypt(receiver.url('/rebound')), box.encrypt('whsec_test')],
    );
    await api
      .http()
      .post('/config/me/notifications/test')
      .set('Authorization', user.bearer)
      .expect(202);
    await api.app.get(NotificationDispatcher).dispatchBatch();
    const [item] = await listNotifications(api, user);
    expect(item).toMatchObject({ status: 'failed', last_error: 'ssrf_not_public_address' });
    expect(receiver.received).toHaveLength(0);
  });
});

/**
 * With Redis: the wake-up goes through Bull's clipador-notifications queue to a worker process
 * (here a second app sharing the database), and the pacing is counted in Redis.
 */
describe('notifications through Bull', () => {
  let api: TestApp;
  let worker: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    const env = {
      CLIPADOR_REDIS_URL: TEST_REDIS_URL,
      CLIPADOR_REDIS_PREFIX: `clipador-test-notify-${process.pid}`,
      CLIPADOR_NOTIFY_ALLOW_PRIVATE_HOSTS: 'true',
      // Long enough that only the Bull wake-up can explain a quick send.
      CLIPADOR_NOTIFY_POLL_MS: '60000',
    };
    api = await startTestApp({ env: { ...env, CLIPADOR_ROLES: 'api' } });
    worker = await startTestApp({
      databaseUrl: api.databaseUrl,
      env: { ...env, CLIPADOR_ROLES: 'worker' },
    });
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
    await receiver.close();
  });

  it('a test send from the api process is sent by the worker process', async () => {
    const user = await loginAs(api, 'viewer');
    await putConfig(api, user, { notify_webhook_url: receiver.url('/bull') }).expect(200);
    // The worker's first poll (at its start) found nothing; this one is woken up by Bull.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await api
      .http()
      .post('/config/me/notifications/test')
      .set('Authorization', user.bearer)
      .expect(202);
    await eventually(() => (receiver.received.length === 1 ? true : undefined), 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    const event = JSON.parse(receiver.received[0].body) as { type: string };
    expect(event.type).toBe('test');
    const [item] = await listNotifications(api, user);
    expect(item).toMatchObject({ status: 'sent', attempts: 1 });
  });
});
