import { DiscordSimulator } from './notification-simulators/discord-simulator';
import { TelegramSimulator } from './notification-simulators/telegram-simulator';
import { verifySignature, WebhookReceiver } from './notification-simulators/webhook-receiver';
import { signatureHeader } from '../src/notifications/signature';

async function post(url: string, body: unknown, method = 'POST') {
  const response = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : null,
  };
}

/** The simulators speak their services' wire formats: what the senders are tested against. */
describe('Telegram Bot API simulator', () => {
  let sim: TelegramSimulator;
  let bot: string;
  beforeAll(async () => {
    sim = await TelegramSimulator.start('42:secret', 'SimBot');
    bot = `${sim.apiUrl}/bot42:secret`;
  });
  afterAll(() => sim.close());

  it('answers getMe and getUpdates with the {ok, result} envelope; offset confirms updates', async () => {
    expect((await post(`${bot}/getMe`, {})).body).toEqual({
      ok: true,
      result: { id: 42, is_bot: true, first_name: 'Clipador', username: 'SimBot' },
    });
    sim.userSends(7, '/start abc', 'ana');
    sim.userSends(7, 'hello', 'ana');
    const first = await post(`${bot}/getUpdates`, { offset: 0, timeout: 0 });
    expect(first.body.ok).toBe(true);
    expect(first.body.result).toHaveLength(2);
    expect(first.body.result[0].message).toMatchObject({ text: '/start abc', chat: { id: 7 } });
    const next = first.body.result[1].update_id + 1;
    expect((await post(`${bot}/getUpdates`, { offset: next })).body.result).toEqual([]);
  });

  it('sends and edits messages; the same text again is "not modified"', async () => {
    const sent = await post(`${bot}/sendMessage`, { chat_id: 7, text: 'one', parse_mode: 'HTML' });
    expect(sent.body).toMatchObject({ ok: true, result: { text: 'one', chat: { id: 7 } } });
    const id = sent.body.result.message_id;
    expect(
      (await post(`${bot}/editMessageText`, { chat_id: 7, message_id: id, text: 'two' })).body,
    ).toMatchObject({ ok: true, result: { message_id: id, text: 'two' } });
    const same = await post(`${bot}/editMessageText`, { chat_id: 7, message_id: id, text: 'two' });
    expect(same.status).toBe(400);
    expect(same.body).toMatchObject({ ok: false, error_code: 400 });
    expect(same.body.description).toContain('message is not modified');
    expect(sim.messagesTo(7).find((m) => m.message_id === id)?.versions).toEqual(['one', 'two']);
  });

  it('answers errors in Telegram shapes: 400 chat not found, 401, 404, 429 with retry_after', async () => {
    expect((await post(`${bot}/sendMessage`, { chat_id: 999, text: 'x' })).body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: chat not found',
    });
    expect((await post(`${sim.apiUrl}/botwrong/getMe`, {})).body).toEqual({
      ok: false,
      error_code: 401,
      description: 'Unauthorized',
    });
    expect((await post(`${bot}/noSuchMethod`, {})).status).toBe(404);
    sim.rateLimitNext(1, 3);
    const limited = await post(`${bot}/sendMessage`, { chat_id: 7, text: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 3',
      parameters: { retry_after: 3 },
    });
  });

  it('enforces one message per second per chat', async () => {
    sim.userSends(8, 'hi');
    expect((await post(`${bot}/sendMessage`, { chat_id: 8, text: 'a' })).status).toBe(200);
    const second = await post(`${bot}/sendMessage`, { chat_id: 8, text: 'b' });
    expect(second.status).toBe(429);
    expect(second.body.parameters.retry_after).toBe(1);
  });
});

describe('Discord webhook simulator', () => {
  let sim: DiscordSimulator;
  beforeAll(async () => {
    sim = await DiscordSimulator.start();
  });
  afterAll(() => sim.close());

  it('executes with ?wait=true (the message back), without it 204, and edits', async () => {
    const hook = sim.createWebhook();
    expect(hook).toMatch(/\/api\/webhooks\/\d+\/[A-Za-z0-9_-]+$/);
    const sent = await post(`${hook}?wait=true`, { embeds: [{ title: 'a' }] });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ id: expect.any(String), embeds: [{ title: 'a' }] });
    expect((await post(hook, { content: 'no wait' })).status).toBe(204);
    const edited = await post(
      `${hook}/messages/${sent.body.id}`,
      { embeds: [{ title: 'b' }] },
      'PATCH',
    );
    expect(edited.body).toMatchObject({ id: sent.body.id, embeds: [{ title: 'b' }] });
    expect(sim.messagesOf(hook)[0].versions).toHaveLength(2);
  });

  it('answers Discord error bodies: unknown webhook, unknown message, empty message', async () => {
    const hook = sim.createWebhook();
    const wrong = await post(`${hook.slice(0, -3)}xyz?wait=true`, { content: 'x' });
    expect(wrong).toMatchObject({ status: 404, body: { message: 'Unknown Webhook', code: 10015 } });
    const missing = await post(`${hook}/messages/123`, { content: 'x' }, 'PATCH');
    expect(missing).toMatchObject({
      status: 404,
      body: { message: 'Unknown Message', code: 10008 },
    });
    expect((await post(`${hook}?wait=true`, {})).body).toEqual({
      message: 'Cannot send an empty message',
      code: 50006,
    });
  });

  it('limits each webhook to 5 requests per 2 s: 429 with retry_after and Retry-After', async () => {
    const hook = sim.createWebhook();
    for (let i = 0; i < 5; i++) {
      expect((await post(`${hook}?wait=true`, { content: `m${i}` })).status).toBe(200);
    }
    const limited = await post(`${hook}?wait=true`, { content: 'm5' });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ message: 'You are being rate limited.', global: false });
    expect(limited.body.retry_after).toBeGreaterThan(0);
    expect(limited.body.retry_after).toBeLessThanOrEqual(2);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('webhook receiver', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(() => receiver.close());

  it('records requests, fails, rate-limits, redirects and goes down on demand', async () => {
    expect((await post(receiver.url(), { a: 1 })).status).toBe(200);
    receiver.setMode({ kind: 'fail', status: 503 });
    expect((await post(receiver.url(), { a: 2 })).status).toBe(503);
    receiver.setMode({ kind: 'rate_limit', retryAfterSeconds: 2, times: 1 });
    const limited = await post(receiver.url(), { a: 3 });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    expect((await post(receiver.url(), { a: 4 })).status).toBe(200);
    receiver.setMode({ kind: 'redirect', location: 'http://127.0.0.1:1/' });
    const redirected = await fetch(receiver.url(), {
      method: 'POST',
      body: '{}',
      redirect: 'manual',
    });
    expect(redirected.status).toBe(302);
    receiver.setMode({ kind: 'ok' });
    await receiver.down();
    await expect(post(receiver.url(), {})).rejects.toThrow();
    await receiver.up();
    expect((await post(receiver.url(), { a: 5 })).status).toBe(200);
    expect(receiver.received.map((r) => r.status)).toEqual([200, 503, 429, 200, 302, 200]);
  });

  it('verifies the signature as the README shows', () => {
    const body = '{"type":"test"}';
    const now = Date.now();
    const header = signatureHeader('whsec_x', body, Math.floor(now / 1000));
    expect(verifySignature(header, body, 'whsec_x', 300, now)).toBe(true);
    expect(verifySignature(header, `${body} `, 'whsec_x', 300, now)).toBe(false);
    expect(verifySignature(header, body, 'whsec_y', 300, now)).toBe(false);
    expect(verifySignature(header, body, 'whsec_x', 300, now + 600_000)).toBe(false);
  });
});
