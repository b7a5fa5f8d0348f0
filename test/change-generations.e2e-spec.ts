import { setTimeout as sleep } from 'node:timers/promises';
import { createStreamer, createUser, insertBurst, loginAs, Session } from './support/factories';
import { minutesAgo, simulatorEnv, syncAndWait, CLIPADOR_APP } from './support/ingestion';
import { startTestApp, TestApp } from './support/test-app';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

interface BurstJson {
  id: number;
  clip_count: number;
  streamer: { id: number; twitch_user_id: string };
  clipes: Array<{ id: string; viewer_count: number }>;
}

/**
 * The caches built on the database's change counters (recent bursts, the guard's users) never
 * serve an answer older than the last commit: here one app instance serves reads while another
 * — a separate process in production, with its own memory — writes, and every write is visible
 * to the reader on its very next request.
 */
describe('answers cached by change generation', () => {
  let sim: TwitchSimulator;
  let reader: TestApp;
  let writer: TestApp;
  let admin: Session;

  beforeAll(async () => {
    sim = await TwitchSimulator.start();
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    reader = await startTestApp();
    writer = await startTestApp({
      databaseUrl: reader.databaseUrl,
      env: { ...simulatorEnv(sim), CLIPADOR_ROLES: 'api,worker' },
    });
    admin = await loginAs(reader, 'admin');
  });

  afterAll(async () => {
    await writer.close();
    await reader.close();
    await sim.close();
  });

  async function recent(sinceMinutes = 60): Promise<BurstJson[]> {
    const response = await reader
      .http()
      .get(`/clips/bursts/recent?since_minutes=${sinceMinutes}`)
      .set('Authorization', admin.bearer)
      .expect(200)
      .expect('Content-Type', /application\/json/);
    return (response.body as { data: BurstJson[] }).data;
  }

  async function burstsGeneration(): Promise<number> {
    const [row] = await reader.dataSource.query(
      `SELECT value FROM cache_generations WHERE name = 'bursts'`,
    );
    return Number(row.value);
  }

  describe('recent bursts', () => {
    let streamerId: number;
    let clipIds: string[];

    it("serves a burst that another instance's sync committed, on the very next request", async () => {
      const created = await writer
        .http()
        .post('/streams')
        .set('Authorization', admin.bearer)
        .send({ twitch_user_id: '7001', display_name: 'Generations' })
        .expect(201);
      streamerId = (created.body as { id: number }).id;
      // The reader answers (and keeps) the state before the sync.
      expect((await recent()).filter((b) => b.streamer.id === streamerId)).toEqual([]);
      expect(await recent()).toEqual(await recent());

      clipIds = [5, 4.5, 4].map(
        (minutes) =>
          sim.addClip({ broadcaster_id: '7001', created_at: minutesAgo(minutes), view_count: 10 })
            .id,
      );
      await syncAndWait(writer, admin.bearer);

      const mine = (await recent()).filter((b) => b.streamer.id === streamerId);
      expect(mine).toHaveLength(1);
      expect(mine[0].clip_count).toBe(3);
      expect(mine[0].clipes.map((clip) => clip.id)).toEqual(clipIds);
    });

    it('shows a view count that a later sync refreshed', async () => {
      sim.updateClip(clipIds[1], { view_count: 999 });
      await syncAndWait(writer, admin.bearer);
      const [burst] = (await recent()).filter((b) => b.streamer.id === streamerId);
      expect(burst.clipes.map((clip) => clip.viewer_count)).toEqual([10, 999, 10]);
    });

    it('shows a change made with plain SQL by anyone (a clip of a burst renamed)', async () => {
      await writer.dataSource.query(`UPDATE clips SET viewer_count = 5 WHERE clip_id = $1`, [
        clipIds[0],
      ]);
      const [burst] = (await recent()).filter((b) => b.streamer.id === streamerId);
      expect(burst.clipes[0].viewer_count).toBe(5);
    });

    it('stops serving the bursts of a streamer deleted through another instance', async () => {
      await writer
        .http()
        .delete(`/streams/${streamerId}`)
        .set('Authorization', admin.bearer)
        .expect(204);
      expect((await recent()).filter((b) => b.streamer.id === streamerId)).toEqual([]);
    });

    it('drops a burst whose start leaves the window as time passes, with no commit', async () => {
      const streamer = await createStreamer(reader);
      const start = new Date(Date.now() - 58_000);
      const burst = await insertBurst(reader, streamer.id, [
        { createdAt: start },
        { createdAt: new Date(start.getTime() + 500) },
      ]);
      expect((await recent(1)).map((b) => b.id)).toContain(burst.id);
      const generation = await burstsGeneration();

      // One minute after its start (and a little), "the last minute" no longer holds it.
      await sleep(start.getTime() + 60_300 - Date.now());
      expect((await recent(1)).map((b) => b.id)).not.toContain(burst.id);
      expect((await recent(60)).map((b) => b.id)).toContain(burst.id);
      // Nothing was committed: the window's edge alone moved it out.
      expect(await burstsGeneration()).toBe(generation);
    });
  });

  describe('the users the guard checks', () => {
    it("refuses a deleted user's token on the next request, though another instance deleted it", async () => {
      const session = await loginAs(reader, 'viewer');
      await reader.http().get('/auth/me').set('Authorization', session.bearer).expect(200);
      await reader.http().get('/auth/me').set('Authorization', session.bearer).expect(200);
      await writer.dataSource.query('DELETE FROM users WHERE id = $1', [session.user.id]);
      await reader.http().get('/auth/me').set('Authorization', session.bearer).expect(401);
    });

    it('applies a role change made elsewhere to the next request, both ways', async () => {
      const user = await createUser(reader, { role: 'viewer' });
      const login = await reader
        .http()
        .post('/auth/login')
        .send({ username: user.username, password: user.password })
        .expect(200);
      const bearer = `Bearer ${(login.body as { access_token: string }).access_token}`;
      const create = (twitchUserId: string) =>
        reader
          .http()
          .post('/streams')
          .set('Authorization', bearer)
          .send({ twitch_user_id: twitchUserId });

      await create('7101').expect(403);
      // Not through createOrUpdate (the CLI's create-*): that sets the password too, which ends
      // every session of the user. A role change alone keeps them.
      const setRole = (role: string) =>
        writer.dataSource.query('UPDATE users SET role = $1 WHERE id = $2', [role, user.id]);
      await setRole('admin');
      await create('7101').expect(201);
      await setRole('viewer');
      await create('7102').expect(403);
      await reader.http().get('/auth/me').set('Authorization', bearer).expect(200, {
        username: user.username,
        role: 'viewer',
      });
    });
  });
});
