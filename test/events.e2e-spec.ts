import { Socket } from 'node:net';
import { JwtService } from '@nestjs/jwt';
import { loginAs, Session } from './support/factories';
import { CLIPADOR_APP, minutesAgo, simulatorEnv, syncAndWait } from './support/ingestion';
import { listenOnLoopback, SseClient, SseClients, SseEvent } from './support/sse';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

interface BurstData {
  burst: { id: number; clip_count: number; streamer: { twitch_user_id: string } };
  added_clips: number;
}

function dataOf<T>(event: SseEvent): T {
  return JSON.parse(event.data) as T;
}

function bearer(session: Session): Record<string, string> {
  return { authorization: session.bearer };
}

/** The session id (`sid`) an access token belongs to. */
function sessionIdOf(session: Session): string {
  const payload = session.accessToken.split('.')[1];
  return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sid: string }).sid;
}

/**
 * The live feed (PRODUCT §17) without Redis: the in-process ring, the worker in the api process,
 * real syncs against the Twitch simulator publishing what they commit.
 */
describe('GET /events (in-process ring, no Redis)', () => {
  const S1 = '7101';
  const S2 = '7102';
  let sim: TwitchSimulator;
  let api: TestApp;
  let base: string;
  let admin: Session;
  let viewer1: Session;
  let viewer2: Session;
  const feeds = new SseClients();
  const connect = (headers: Record<string, string>, path?: string) =>
    feeds.open(base, headers, path);

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    api = await startTestApp({
      env: {
        ...simulatorEnv(sim),
        CLIPADOR_ROLES: 'api,worker',
        CLIPADOR_EVENTS_HEARTBEAT_MS: '300',
        CLIPADOR_EVENTS_SESSION_CHECK_MS: '200',
      },
    });
    base = await listenOnLoopback(api.app);
    admin = await loginAs(api, 'admin');
    for (const id of [S1, S2]) {
      await api
        .http()
        .post('/streams')
        .set('Authorization', admin.bearer)
        .send({ twitch_user_id: id, display_name: `Streamer ${id}`, monitor_min_clips: 2 })
        .expect(201);
    }
    viewer1 = await loginAs(api, 'viewer');
    viewer2 = await loginAs(api, 'viewer');
    for (const [session, id] of [
      [viewer1, S1],
      [viewer2, S2],
    ] as const) {
      await api
        .http()
        .post('/config/me/streamers')
        .set('Authorization', session.bearer)
        .send({ twitch_user_id: id })
        .expect(201);
    }
  });

  afterEach(() => feeds.closeAll());

  afterAll(async () => {
    await api.close();
    await sim.close();
  });

  it('answers a text/event-stream that nginx passes through unbuffered and uncompressed', async () => {
    const client = await connect({ ...bearer(viewer1), 'accept-encoding': 'gzip, br' });
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.headers['cache-control']).toContain('no-cache');
    expect(client.headers['content-encoding']).toBeUndefined();
    expect(client.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('sends a heartbeat comment at the configured period', async () => {
    const client = await connect(bearer(viewer1));
    await client.waitFor(
      (c) => c.comments.filter((text) => text === 'heartbeat').length >= 2,
      3_000,
    );
  });

  it('delivers each kind of event to the users of its streamer (and admins) only, resumable by Last-Event-ID', async () => {
    const streams = {
      admin: await connect(bearer(admin)),
      viewer1: await connect(bearer(viewer1)),
      viewer2: await connect(bearer(viewer2)),
    };
    // S1 goes live with a burst; S2 has a burst of its own.
    const anchor = minutesAgo(5);
    for (const id of [S1, S2]) {
      for (const seconds of [0, 20, 40]) {
        sim.addClip({
          broadcaster_id: id,
          created_at: new Date(anchor.getTime() + seconds * 1000),
        });
      }
    }
    sim.setLive(
      S1,
      { viewer_count: 1234, title: 'ao vivo', game_name: 'Just Chatting' },
      minutesAgo(30),
    );
    await syncAndWait(api, admin.bearer);

    const online = dataOf<{ streamer: { twitch_user_id: string }; viewer_count: number }>(
      await streams.viewer1.next('streamer.online'),
    );
    expect(online).toMatchObject({
      streamer: { twitch_user_id: S1, display_name: `Streamer ${S1}` },
      viewer_count: 1234,
      title: 'ao vivo',
      game_name: 'Just Chatting',
    });
    const created = dataOf<BurstData>(await streams.viewer1.next('burst.created'));
    expect(created.burst).toMatchObject({ clip_count: 3, streamer: { twitch_user_id: S1 } });
    expect((created.burst as unknown as { clipes: unknown[] }).clipes).toHaveLength(3);
    const s2Burst = dataOf<BurstData>(await streams.viewer2.next('burst.created'));
    expect(s2Burst.burst.streamer.twitch_user_id).toBe(S2);
    await streams.admin.waitFor((c) => c.ofType('burst.created').length === 2);
    expect(streams.admin.ofType('streamer.online')).toHaveLength(1);

    // A clip joins S1's burst: burst.grown, with the clip it gained.
    sim.addClip({ broadcaster_id: S1, created_at: new Date(anchor.getTime() + 60_000) });
    await syncAndWait(api, admin.bearer);
    const grown = dataOf<BurstData>(await streams.viewer1.next('burst.grown'));
    expect(grown).toMatchObject({ burst: { id: created.burst.id, clip_count: 4 }, added_clips: 1 });

    // Offline after two complete answers without it (PRODUCT §16).
    sim.setOffline(S1);
    await syncAndWait(api, admin.bearer);
    await syncAndWait(api, admin.bearer);
    const offline = dataOf<{ streamer: { twitch_user_id: string } }>(
      await streams.viewer1.next('streamer.offline'),
    );
    expect(offline.streamer.twitch_user_id).toBe(S1);

    // Each user saw their own streamer's events, never the other's.
    const kinds = (client: SseClient) =>
      client.events.map((event) => {
        const data = JSON.parse(event.data) as {
          burst?: { streamer: { twitch_user_id: string } };
          streamer?: { twitch_user_id: string };
        };
        return `${event.event}:${(data.burst?.streamer ?? data.streamer)!.twitch_user_id}`;
      });
    expect(kinds(streams.viewer1)).toEqual([
      `streamer.online:${S1}`,
      `burst.created:${S1}`,
      `burst.grown:${S1}`,
      `streamer.offline:${S1}`,
    ]);
    expect(kinds(streams.viewer2)).toEqual([`burst.created:${S2}`]);
    expect(kinds(streams.admin).sort()).toEqual(
      [...kinds(streams.viewer1), ...kinds(streams.viewer2)].sort(),
    );
    // Ids are strictly increasing on every stream.
    const ids = streams.admin.events.map((event) => event.id!);
    expect([...ids].sort(compareIds)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);

    // Resume after the first event: exactly what came after it, with the same ids.
    const first = streams.viewer1.events[0];
    const resumed = await connect({ ...bearer(viewer1), 'last-event-id': first.id! });
    await resumed.waitFor((c) => c.events.length === 3);
    expect(resumed.events).toEqual(streams.viewer1.events.slice(1));
    // The same from a new EventSource: a fresh ticket and ?last_event_id= (it cannot set headers).
    const { ticket } = (
      await api.http().post('/events/ticket').set('Authorization', viewer1.bearer).expect(201)
    ).body as { ticket: string };
    const reopened = await connect({}, `/events?ticket=${ticket}&last_event_id=${first.id!}`);
    await reopened.waitFor((c) => c.events.length === 3);
    expect(reopened.events).toEqual(streams.viewer1.events.slice(1));
    // Resume from the newest: nothing to replay, and live events still come.
    const caughtUp = await connect({
      ...bearer(viewer1),
      'last-event-id': streams.viewer1.events[3].id!,
    });
    sim.setLive(S1, {}, new Date());
    await syncAndWait(api, admin.bearer);
    const again = await caughtUp.next('streamer.online');
    expect(caughtUp.events).toEqual([again]);
  });

  it('says reset, with the current position, when Last-Event-ID cannot be resumed', async () => {
    const future = await connect({
      ...bearer(viewer1),
      'last-event-id': `${Date.now() + 3_600_000}-0`,
    });
    const reset = await future.next('reset');
    expect(dataOf(reset)).toEqual({ reason: 'last_event_id_too_old' });
    expect(reset.id).toMatch(/^\d+-\d+$/);
    const garbage = await connect({ ...bearer(viewer1), 'last-event-id': 'not-an-id' });
    expect(dataOf(await garbage.next('reset'))).toEqual({ reason: 'last_event_id_unknown' });
  });

  it('opens with a single-use ticket, and refuses a used, expired or unknown one', async () => {
    const issued = await api
      .http()
      .post('/events/ticket')
      .set('Authorization', viewer1.bearer)
      .expect(201);
    const { ticket, expires_in } = issued.body as { ticket: string; expires_in: number };
    expect(expires_in).toBe(60);
    const client = await connect({}, `/events?ticket=${ticket}`);
    expect(client.status).toBe(200);
    const reused = await connect({}, `/events?ticket=${ticket}`);
    expect(reused.status).toBe(401);
    await reused.waitFor((c) => c.ended);
    expect(JSON.parse(reused.body)).toMatchObject({ statusCode: 401, code: 'invalid_ticket' });
    const unknown = await connect({}, `/events?ticket=${'A'.repeat(43)}`);
    expect(unknown.status).toBe(401);

    // A ticket presented after its 60 s.
    const late = await api
      .http()
      .post('/events/ticket')
      .set('Authorization', viewer1.bearer)
      .expect(201);
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
    try {
      const expired = await connect(
        {},
        `/events?ticket=${(late.body as { ticket: string }).ticket}`,
      );
      expect(expired.status).toBe(401);
    } finally {
      clock.mockRestore();
    }
    // Without any credential.
    expect((await connect({})).status).toBe(401);
  });

  it('ends the stream when its session is logged out', async () => {
    const session = await loginAs(api, 'viewer');
    const client = await connect(bearer(session));
    expect(client.status).toBe(200);
    await api.http().post('/auth/logout').set('Authorization', session.bearer).expect(200);
    const end = await client.next('end', 3_000);
    expect(dataOf(end)).toEqual({ reason: 'session_ended' });
    await client.waitFor((c) => c.ended, 2_000);
    // A ticket of the ended session opens nothing either.
    expect((await connect(bearer(session))).status).toBe(401);
  });

  it("ends the stream at its token's expiry", async () => {
    const session = await loginAs(api, 'viewer');
    const short = api.app.get(JwtService).sign({
      sub: String(session.user.id),
      username: session.user.username,
      role: 'viewer',
      type: 'access',
      sid: sessionIdOf(session),
      ver: 0,
      exp: Math.floor(Date.now() / 1000) + 2,
    });
    const client = await connect({ authorization: `Bearer ${short}` });
    expect(client.status).toBe(200);
    const end = await client.next('end', 4_000);
    expect(dataOf(end)).toEqual({ reason: 'token_expired' });
    await client.waitFor((c) => c.ended, 2_000);
  });
});

describe('GET /events limits', () => {
  let api: TestApp;
  let base: string;
  const feeds = new SseClients();

  beforeAll(async () => {
    api = await startTestApp({
      env: {
        CLIPADOR_EVENTS_MAX_STREAMS_PER_USER: '2',
        CLIPADOR_HTTP_MAX_STREAM_CONNECTIONS: '3',
        // Short HTTP limits: a stream, silent between 15 s heartbeats, must outlive them.
        CLIPADOR_HTTP_IDLE_TIMEOUT_MS: '800',
        CLIPADOR_HTTP_REQUEST_TIMEOUT_MS: '800',
        CLIPADOR_HTTP_HEADERS_TIMEOUT_MS: '500',
      },
    });
    base = await listenOnLoopback(api.app);
  });

  afterAll(async () => {
    feeds.closeAll();
    await api.close();
  });

  const connect = (session: Session) => feeds.open(base, bearer(session));

  it('keeps a silent stream open past the idle and request timeouts that close other sockets', async () => {
    const session = await loginAs(api, 'viewer');
    const stream = await connect(session);
    expect(stream.status).toBe(200);
    // The control: a request that trickles its body is cut by the same limits.
    const slow = new Socket();
    const slowClosed = new Promise<boolean>((resolve) => {
      slow.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 4_000);
    });
    slow.on('error', () => undefined);
    let drip: NodeJS.Timeout | undefined;
    slow.connect(Number(new URL(base).port), '127.0.0.1', () => {
      slow.write(
        'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{',
      );
      drip = setInterval(() => slow.write(' '), 200);
    });
    expect(await slowClosed).toBe(true);
    clearInterval(drip);
    slow.destroy();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(stream.ended).toBe(false);
    stream.close();
  });

  it('answers 429 past the streams of one user and 503 past those of the process, apart from ordinary requests', async () => {
    const a = await loginAs(api, 'viewer');
    const b = await loginAs(api, 'viewer');
    const c = await loginAs(api, 'viewer');
    expect((await connect(a)).status).toBe(200);
    const second = await connect(a);
    expect(second.status).toBe(200);
    const third = await connect(a);
    expect(third.status).toBe(429);
    await third.waitFor((client) => client.ended);
    expect(JSON.parse(third.body)).toMatchObject({ code: 'too_many_streams' });
    expect((await connect(b)).status).toBe(200);
    const full = await connect(c);
    expect(full.status).toBe(503);
    await full.waitFor((client) => client.ended);
    expect(JSON.parse(full.body)).toMatchObject({ code: 'events_full' });
    expect(full.headers['retry-after']).toBe('3');
    // Ordinary requests are not counted against the streams.
    await api.http().get('/auth/me').set('Authorization', c.bearer).expect(200);
    // A closed stream frees its slot.
    second.close();
    const deadline = Date.now() + 3_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      const retry = await connect(c);
      status = retry.status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(200);
  });
});

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}
