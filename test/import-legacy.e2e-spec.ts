import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { SecretBox } from '../src/common/crypto/secret-box';
import { CliRun, lines, runCli } from './support/cli';
import { createTestDatabase, databaseUrl, dropTestDatabase } from './support/databases';
import {
  createLegacyDatabase,
  LegacyDatabase,
  PASSLIB_VECTORS,
  passlibPbkdf2Sha256,
} from './support/legacy-database';
import { startTestApp, TestApp } from './support/test-app';

const ENCRYPTION_KEY = randomBytes(32);
const PLAIN_SECRET = 'plain-secret-of-1002';
const BOB_PASSWORD = 'bob-old-password';

/**
 * `cli import-legacy …` into the PostgreSQL database `targetUrl`, or into the embedded PGlite
 * when it is null.
 */
function runImport(
  targetUrl: string | null,
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  return runCli('import-legacy', args, {
    ...(targetUrl === null ? {} : { CLIPADOR_DATABASE_URL: targetUrl }),
    CLIPADOR_ENCRYPTION_KEY: ENCRYPTION_KEY.toString('hex'),
    ...extraEnv,
  });
}

const T = Date.parse('2024-05-01T12:00:00Z');
/** A time `minutes` before T. */
const at = (minutes: number) => new Date(T - minutes * 60_000);

/**
 * The old service's data as it really looked: every user an admin, one e-mail twice in two cases,
 * a growing burst stored three times (overlapping rows, clip c-b in all three), a delivery
 * repeated for the grown burst, a plaintext client secret, settings of 0 and below, an api_mode
 * nobody knows, and rows that cannot be taken.
 */
async function fillCreateAllShape(legacy: LegacyDatabase): Promise<void> {
  await legacy.insert('users', [
    {
      id: 1,
      username: 'alice',
      hashed_password: PASSLIB_VECTORS.ascii.hash,
      role: 'admin',
      email: 'Alice@Example.com',
      plan: 'Mensal Plus',
      plan_expires_at: new Date('2031-01-01T00:00:00Z'),
      status: 'active',
      trial_used: true,
      kirvano_customer_id: 'cus-1',
      kirvano_last_sale_id: 'S-1',
      created_at: new Date('2023-01-01T00:00:00Z'),
    },
    {
      id: 2,
      username: 'bob',
      hashed_password: passlibPbkdf2Sha256(BOB_PASSWORD),
      role: 'admin',
      email: 'ALICE@example.COM',
      plan: 'free',
      status: 'active',
    },
    {
      id: 3,
      username: 'carol',
      hashed_password: PASSLIB_VECTORS.long.hash,
      role: 'editor',
      email: null,
      plan: null,
      status: null,
    },
    { id: 4, username: 'nohash', hashed_password: '', role: 'admin' },
  ]);
  await legacy.insert('streamers', [
    {
      id: 10,
      twitch_user_id: '1001',
      display_name: 'Gaules',
      is_active: true,
      monitor_interval_seconds: 120,
      monitor_min_clips: 2,
      api_mode: 'CLIPADOR_ONLY',
    },
    {
      id: 11,
      twitch_user_id: '1002',
      display_name: 'Client Streamer',
      is_active: true,
      monitor_interval_seconds: 0,
      monitor_min_clips: -3,
      api_mode: 'client',
      client_twitch_client_id: 'cid1002',
      client_twitch_client_secret: PLAIN_SECRET,
    },
    {
      id: 12,
      twitch_user_id: '1003',
      display_name: 'Partner',
      is_active: true,
      monitor_interval_seconds: 180,
      monitor_min_clips: 2,
      api_mode: 'PARTNER_V2',
    },
    { id: 13, twitch_user_id: 'bad id!', display_name: 'Broken' },
  ]);
  const clip = (id: number, clipId: string, streamerId: number | null, minutes: number | null) => ({
    id,
    clip_id: clipId,
    streamer_id: streamerId,
    streamer_name: null,
    streamer_external_id: null,
    created_at: minutes === null ? null : at(minutes),
    viewer_count: id,
    video_id: 'v1',
    title: `clip ${clipId}`,
    duration: 30,
  });
  // PRODUCT §5's example on 1001: −10, −9.5, −9 and −4 minutes, W = 120 s, K = 2.
  await legacy.insert('clips', [
    clip(100, 'c-a', 10, 10),
    clip(101, 'c-b', 10, 9.5),
    clip(102, 'c-c', 10, 9),
    clip(103, 'c-d', 10, 4),
    clip(104, 'c-e', 11, 3),
    clip(105, 'c-bad', 13, 3),
    clip(106, 'c-notime', 10, null),
    clip(107, 'c-nobody', null, 2),
  ]);
  // The old sync stored the growing burst again at each growth, and once more from c-b.
  await legacy.insert('bursts', [
    { id: 200, streamer_id: 10, start_time: at(10), end_time: at(9.5), clip_count: 2 },
    { id: 201, streamer_id: 10, start_time: at(10), end_time: at(9), clip_count: 3 },
    { id: 202, streamer_id: 10, start_time: at(9.5), end_time: at(9), clip_count: 2 },
  ]);
  const member = (burstId: number, clipId: number, external: string) => ({
    burst_id: burstId,
    clip_id: clipId,
    clip_external_id: external,
  });
  await legacy.insert('burst_clips', [
    member(200, 100, 'c-a'),
    member(200, 101, 'c-b'),
    member(201, 100, 'c-a'),
    member(201, 101, 'c-b'),
    member(201, 102, 'c-c'),
    member(202, 101, 'c-b'),
    member(202, 102, 'c-c'),
  ]);
  await legacy.insert('purchases', [
    {
      id: 1,
      sale_id: 'S-1',
      email: 'Alice@Example.com',
      plan: 'Mensal Plus',
      status: 'approved',
      payment_method: 'pix',
      raw_payload: '{"event":"SALE_APPROVED"}',
    },
    { id: 2, sale_id: null, email: 'x@example.com', plan: 'Mensal Solo', status: 'approved' },
    // Bought with an e-mail no user has: it stays pending for whoever gets that e-mail (§15).
    { id: 3, sale_id: 'S-3', email: 'Nobody@Example.com', plan: 'Mensal Solo', status: 'APPROVED' },
  ]);
  await legacy.insert('user_channel_configs', [
    {
      id: 1,
      user_id: 1,
      channel_name: 'alice',
      monitor_mode: 'manual',
      partner_mode: 'CHEFE_E_BOT',
      clipador_chefe_username: 'chefe',
      manual_min_clips: 0,
      manual_interval_seconds: 5000,
      manual_min_clips_vod: 3,
      slots_configured: 10,
      notify_online: null,
      twitch_client_secret: 'unused-plain-secret',
      public_share_enabled: true,
      public_description: 'my clips',
    },
    { id: 2, user_id: 2, monitor_mode: 'TURBO', partner_mode: 'somente_bot' },
    { id: 3, user_id: 4, monitor_mode: 'PADRAO' },
  ]);
  await legacy.insert('user_streamers', [
    { id: 1, user_id: 1, streamer_id: 10, label: 'main', order_index: 0 },
    { id: 2, user_id: 1, streamer_id: 11, label: null, order_index: 1 },
    { id: 3, user_id: 2, streamer_id: 10, label: null, order_index: 0 },
    { id: 4, user_id: 2, streamer_id: 13, label: null, order_index: 1 },
    { id: 5, user_id: 4, streamer_id: 10, label: null, order_index: 0 },
  ]);
  const payload = (title: string) =>
    JSON.stringify({ streamer_display_name: 'Gaules', clip_title: title, viewer_count: 5 });
  await legacy.insert('clip_deliveries', [
    {
      id: 1,
      user_id: 1,
      streamer_id: 10,
      burst_id: 200,
      clip_id: 100,
      clip_external_id: 'c-a',
      burst_start: at(10),
      burst_end: at(9.5),
      delivered_at: at(9),
      extra_payload: payload('clip c-a'),
    },
    {
      id: 2,
      user_id: 1,
      streamer_id: 10,
      burst_id: 201,
      clip_id: 100,
      clip_external_id: 'c-a',
      burst_start: at(10),
      burst_end: at(9),
      delivered_at: at(8),
      extra_payload: payload('clip c-a again'),
    },
    {
      id: 3,
      user_id: 1,
      streamer_id: 10,
      burst_id: 201,
      clip_id: 102,
      clip_external_id: 'c-c',
      burst_start: at(10),
      burst_end: at(9),
      delivered_at: at(8),
      extra_payload: payload('clip c-c'),
    },
    {
      id: 4,
      user_id: 2,
      streamer_id: 10,
      burst_id: 202,
      clip_id: 101,
      clip_external_id: null,
      burst_start: at(9.5),
      burst_end: at(9),
      delivered_at: at(7),
      extra_payload: payload('clip c-b'),
    },
    {
      id: 5,
      user_id: 2,
      streamer_id: 10,
      burst_id: null,
      clip_id: null,
      clip_external_id: 'c-gone',
      delivered_at: at(6),
      extra_payload: 'not json',
    },
    { id: 6, user_id: 4, streamer_id: 10, clip_external_id: 'c-a', delivered_at: at(5) },
  ]);
  await legacy.insert('streamer_status', [
    { id: 1, user_id: 1, streamer_id: 10, status: 'online', last_seen: at(9) },
    { id: 2, user_id: 2, streamer_id: 10, status: 'online', last_seen: at(7) },
  ]);
}

const NOTES = [
  'notes:',
  "  users id 2: e-mail differs only in case from users id 1's, which keeps it: imported without an e-mail",
  '  users id 3: role "editor" is not a role here: viewer',
  '  streamers id 11: monitor_interval_seconds 0 is outside 10–86400: clamped to 10',
  '  streamers id 11: monitor_min_clips -3 is outside 1–1000: clamped to 1',
  '  streamers id 12: unknown api_mode "PARTNER_V2" in the old database: imported inactive',
  '  user_channel_configs id 1: manual_min_clips 0 is outside 1–20: clamped to 1',
  '  user_channel_configs id 1: manual_interval_seconds 5000 is outside 30–600: clamped to 600',
  '  user_channel_configs id 2: unknown monitor_mode "TURBO": AUTOMATICO',
  '  clip_deliveries id 5: extra_payload is not valid JSON: dropped',
];

const FIRST_SUMMARY = [
  'users: read 4, inserted 3, updated 0, skipped 0, rejected 1',
  'streamers: read 4, inserted 3, updated 0, skipped 0, rejected 1',
  'clips: read 8, inserted 5, updated 0, skipped 0, rejected 3',
  'bursts: read 3 old rows, replaced by 2 bursts re-derived by the burst rule over the imported ' +
    'clips (created 2, already stored 0); 2 old rows folded',
  "burst_clips: read 7 old rows, replaced by the re-derived bursts' 4 clips (one burst per clip)",
  'purchases: read 3, inserted 2, updated 0, skipped 0, rejected 1',
  'user_channel_configs: read 3, inserted 2, updated 0, skipped 0, rejected 1',
  'user_streamers: read 5, inserted 3, updated 0, skipped 0, rejected 2',
  'clip_deliveries: read 6, inserted 4, updated 0, skipped 0, rejected 1; 1 repeat of a user and clip folded',
  'streamer_status: read 2, not imported (history only: "online" meant a burst was delivered)',
];

const REJECTIONS = [
  'users id 4: no password hash',
  'streamers id 13: twitch_user_id must be 1-64 letters, digits or underscores',
  'clips id 105: its streamer (streamers id 13) was not imported',
  'clips id 106: no created_at (the burst rule orders clips by it)',
  'clips id 107: no streamer_id',
  'purchases id 2: no sale_id',
  'user_channel_configs id 3: users id 4 was not imported',
  'user_streamers id 4: streamers id 13 was not imported',
  'user_streamers id 5: users id 4 was not imported',
  'clip_deliveries id 6: users id 4 was not imported',
];

describe('cli import-legacy', () => {
  describe('an old database created by the app (api_mode and credential columns)', () => {
    let legacy: LegacyDatabase;
    let target: { name: string; url: string };
    let db: Client;
    let dryRun: CliRun;
    let first: CliRun;
    let snapshotAfterDryRun: Record<string, unknown[]>;
    let app: TestApp;

    /** Every row of the tables the import writes, in a stable order. */
    async function snapshot(): Promise<Record<string, unknown[]>> {
      const tables: Record<string, string> = {
        users: 'SELECT * FROM users ORDER BY id',
        streamers: 'SELECT * FROM streamers ORDER BY id',
        clips: 'SELECT * FROM clips ORDER BY id',
        bursts: 'SELECT * FROM bursts ORDER BY id',
        burst_clips: 'SELECT * FROM burst_clips ORDER BY clip_id',
        purchases: 'SELECT * FROM purchases ORDER BY id',
        user_channel_configs: 'SELECT * FROM user_channel_configs ORDER BY id',
        user_streamers: 'SELECT * FROM user_streamers ORDER BY id',
        clip_deliveries: 'SELECT * FROM clip_deliveries ORDER BY id',
        billing_events: 'SELECT * FROM billing_events ORDER BY id',
      };
      const result: Record<string, unknown[]> = {};
      for (const [table, sql] of Object.entries(tables)) result[table] = (await db.query(sql)).rows;
      return result;
    }

    beforeAll(async () => {
      legacy = await createLegacyDatabase('create_all');
      await fillCreateAllShape(legacy);
      target = await createTestDatabase();
      db = new Client({ connectionString: target.url });
      await db.connect();
      const args = ['--from', legacy.url, '--admins', 'alice'];
      dryRun = await runImport(target.url, [...args, '--dry-run']);
      snapshotAfterDryRun = await snapshot();
      first = await runImport(target.url, args);
      app = await startTestApp({ databaseUrl: target.url });
    });

    afterAll(async () => {
      await app?.close();
      await db?.end();
      if (target) await dropTestDatabase(target.name);
      await legacy?.drop();
    });

    it('reports in a dry run what a real run does, and writes nothing', () => {
      expect(dryRun.code).toBe(1);
      expect(lines(dryRun.stdout)).toEqual([
        'dry run: rolled back, nothing was written',
        ...NOTES,
        ...FIRST_SUMMARY,
      ]);
      expect(lines(dryRun.stderr)).toEqual([
        ...REJECTIONS,
        'Error: 10 row(s) rejected; the other rows were checked (dry run)',
      ]);
      for (const rows of Object.values(snapshotAfterDryRun)) expect(rows).toEqual([]);
    });

    it('imports what it can, reports each row it cannot take by table and id, and exits 1', () => {
      expect(first.code).toBe(1);
      expect(lines(first.stdout)).toEqual([...NOTES, ...FIRST_SUMMARY]);
      expect(lines(first.stderr)).toEqual([
        ...REJECTIONS,
        'Error: 10 row(s) rejected; the other rows were imported',
      ]);
    });

    it('makes every old user a viewer unless --admins names them, keeping §11 columns', async () => {
      const { rows } = await db.query(
        `SELECT username, role, email, plan, plan_expires_at, status, trial_used,
                kirvano_customer_id, kirvano_last_sale_id, slots_base, created_at
         FROM users ORDER BY username`,
      );
      expect(rows).toEqual([
        {
          username: 'alice',
          role: 'admin',
          email: 'alice@example.com',
          plan: 'Mensal Plus',
          plan_expires_at: new Date('2031-01-01T00:00:00Z'),
          status: 'active',
          trial_used: true,
          kirvano_customer_id: 'cus-1',
          kirvano_last_sale_id: 'S-1',
          slots_base: 8,
          created_at: new Date('2023-01-01T00:00:00Z'),
        },
        expect.objectContaining({ username: 'bob', role: 'viewer', email: null, slots_base: 1 }),
        expect.objectContaining({
          username: 'carol',
          role: 'viewer',
          plan: 'free',
          status: 'active',
        }),
      ]);
    });

    describe('old users log in with their old passwords through the HTTP API', () => {
      const login = (username: string, password: string) =>
        app.http().post('/auth/login').send({ username, password });
      const hashOf = async (username: string) =>
        (
          await db.query<{ h: string }>(
            'SELECT hashed_password AS h FROM users WHERE username = $1',
            [username],
          )
        ).rows[0].h;

      it('accepts the passlib hash written by passlib itself, then stores bcrypt', async () => {
        expect(await hashOf('alice')).toBe(PASSLIB_VECTORS.ascii.hash);
        const res = await login('alice', PASSLIB_VECTORS.ascii.password);
        expect(res.status).toBe(200);
        const me = await app
          .http()
          .get('/auth/me')
          .set('authorization', `Bearer ${(res.body as { access_token: string }).access_token}`);
        expect(me.body).toEqual({ username: 'alice', role: 'admin' });
        expect(await hashOf('alice')).toMatch(/^\$2[aby]\$/);
        expect((await login('alice', PASSLIB_VECTORS.ascii.password)).status).toBe(200);
      });

      it('accepts a hash generated in the test, and refuses a wrong password', async () => {
        expect((await login('bob', 'not-his-password')).status).toBe(401);
        const res = await login('bob', BOB_PASSWORD);
        expect(res.status).toBe(200);
        const me = await app
          .http()
          .get('/auth/me')
          .set('authorization', `Bearer ${(res.body as { access_token: string }).access_token}`);
        expect(me.body).toEqual({ username: 'bob', role: 'viewer' });
      });

      it('keeps the pbkdf2 hash of a password longer than bcrypt reads (80 bytes)', async () => {
        expect((await login('carol', PASSLIB_VECTORS.long.password)).status).toBe(200);
        expect(await hashOf('carol')).toBe(PASSLIB_VECTORS.long.hash);
        // bcrypt would have truncated to 72 bytes, which would then have matched too.
        const truncated = Buffer.from(PASSLIB_VECTORS.long.password).subarray(0, 72).toString();
        expect((await login('carol', truncated)).status).toBe(401);
        expect((await login('carol', PASSLIB_VECTORS.long.password)).status).toBe(200);
      });
    });

    it('encrypts the plaintext client secret and never prints it', async () => {
      const { rows } = await db.query<{ id: string; secret: string }>(
        `SELECT client_twitch_client_id AS id, client_twitch_client_secret AS secret
         FROM streamers WHERE twitch_user_id = '1002'`,
      );
      expect(rows[0].id).toBe('cid1002');
      expect(rows[0].secret).not.toContain(PLAIN_SECRET);
      expect(new SecretBox(ENCRYPTION_KEY).decrypt(rows[0].secret)).toBe(PLAIN_SECRET);
      for (const run of [dryRun, first]) {
        expect(run.stdout + run.stderr).not.toContain(PLAIN_SECRET);
        expect(run.stdout + run.stderr).not.toContain('unused-plain-secret');
        expect(run.stdout + run.stderr).not.toMatch(/alice@example\.com/i);
      }
    });

    it('clamps settings, lower-cases api_mode, and imports an unknown api_mode inactive with the reason', async () => {
      const { rows } = await db.query(
        `SELECT twitch_user_id, is_active, monitor_interval_seconds, monitor_min_clips, api_mode,
                last_sync_status, last_sync_error
         FROM streamers ORDER BY twitch_user_id`,
      );
      expect(rows).toEqual([
        {
          twitch_user_id: '1001',
          is_active: true,
          monitor_interval_seconds: 120,
          monitor_min_clips: 2,
          api_mode: 'clipador_only',
          last_sync_status: null,
          last_sync_error: null,
        },
        {
          twitch_user_id: '1002',
          is_active: true,
          monitor_interval_seconds: 10,
          monitor_min_clips: 1,
          api_mode: 'client',
          last_sync_status: null,
          last_sync_error: null,
        },
        {
          twitch_user_id: '1003',
          is_active: false,
          monitor_interval_seconds: 180,
          monitor_min_clips: 2,
          api_mode: 'clipador_only',
          last_sync_status: 'skipped',
          last_sync_error:
            'import-legacy: unknown api_mode "PARTNER_V2" in the old database; imported inactive',
        },
      ]);
    });

    it('replaces the overlapping old bursts by the bursts of §5 over the imported clips', async () => {
      const { rows } = await db.query(
        `SELECT s.twitch_user_id, b.start_time, b.end_time, b.clip_count,
                array_agg(bc.clip_external_id ORDER BY c.created_at) AS clips
         FROM bursts b
         JOIN streamers s ON s.id = b.streamer_id
         JOIN burst_clips bc ON bc.burst_id = b.id
         JOIN clips c ON c.id = bc.clip_id
         GROUP BY b.id, s.twitch_user_id ORDER BY b.start_time`,
      );
      expect(rows).toEqual([
        {
          twitch_user_id: '1001',
          start_time: at(10),
          end_time: at(9),
          clip_count: 3,
          clips: ['c-a', 'c-b', 'c-c'],
        },
        // K clamped to 1: one clip is a burst.
        {
          twitch_user_id: '1002',
          start_time: at(3),
          end_time: at(3),
          clip_count: 1,
          clips: ['c-e'],
        },
      ]);
      const stored = await db.query(
        `SELECT clip_id, viewer_count, title FROM clips ORDER BY clip_id`,
      );
      expect(stored.rows.map((row: { clip_id: string }) => row.clip_id)).toEqual([
        'c-a',
        'c-b',
        'c-c',
        'c-d',
        'c-e',
      ]);
    });

    it('keeps each delivery once per user and clip, its burst found again through its clip', async () => {
      const { rows } = await db.query(
        `SELECT u.username, s.twitch_user_id, d.clip_external_id, c.clip_id AS stored_clip,
                d.burst_id = (SELECT bc.burst_id FROM burst_clips bc WHERE bc.clip_id = d.clip_id)
                  AS burst_through_clip,
                d.burst_start, d.burst_end, d.delivered_at, d.delivery_channel, d.extra_payload
         FROM clip_deliveries d
         JOIN users u ON u.id = d.user_id
         JOIN streamers s ON s.id = d.streamer_id
         LEFT JOIN clips c ON c.id = d.clip_id
         ORDER BY u.username, d.clip_external_id`,
      );
      const payload = (title: string) => ({
        streamer_display_name: 'Gaules',
        clip_title: title,
        viewer_count: 5,
      });
      expect(rows).toEqual([
        {
          username: 'alice',
          twitch_user_id: '1001',
          clip_external_id: 'c-a',
          stored_clip: 'c-a',
          burst_through_clip: true,
          burst_start: at(10),
          burst_end: at(9),
          delivered_at: at(9),
          delivery_channel: 'web',
          extra_payload: payload('clip c-a'),
        },
        {
          username: 'alice',
          twitch_user_id: '1001',
          clip_external_id: 'c-c',
          stored_clip: 'c-c',
          burst_through_clip: true,
          burst_start: at(10),
          burst_end: at(9),
          delivered_at: at(8),
          delivery_channel: 'web',
          extra_payload: payload('clip c-c'),
        },
        {
          username: 'bob',
          twitch_user_id: '1001',
          clip_external_id: 'c-b',
          stored_clip: 'c-b',
          burst_through_clip: true,
          burst_start: at(10),
          burst_end: at(9),
          delivered_at: at(7),
          delivery_channel: 'web',
          extra_payload: payload('clip c-b'),
        },
        {
          username: 'bob',
          twitch_user_id: '1001',
          clip_external_id: 'c-gone',
          stored_clip: null,
          burst_through_clip: null,
          burst_start: null,
          burst_end: null,
          delivered_at: at(6),
          delivery_channel: 'web',
          extra_payload: null,
        },
      ]);
    });

    it('keeps channel configs (modes normalised, settings clamped), subscriptions and purchases', async () => {
      const configs = await db.query(
        `SELECT u.username, c.monitor_mode, c.partner_mode, c.clipador_chefe_username,
                c.manual_min_clips, c.manual_interval_seconds, c.manual_min_clips_vod,
                c.slots_configured, c.notify_online, c.public_share_enabled, c.public_description
         FROM user_channel_configs c JOIN users u ON u.id = c.user_id ORDER BY u.username`,
      );
      expect(configs.rows).toEqual([
        {
          username: 'alice',
          monitor_mode: 'MANUAL',
          partner_mode: 'chefe_e_bot',
          clipador_chefe_username: 'chefe',
          manual_min_clips: 1,
          manual_interval_seconds: 600,
          manual_min_clips_vod: 3,
          slots_configured: 10,
          notify_online: true,
          public_share_enabled: true,
          public_description: 'my clips',
        },
        {
          username: 'bob',
          monitor_mode: 'AUTOMATICO',
          partner_mode: 'somente_bot',
          clipador_chefe_username: null,
          manual_min_clips: null,
          manual_interval_seconds: null,
          manual_min_clips_vod: null,
          slots_configured: null,
          notify_online: true,
          public_share_enabled: false,
          public_description: null,
        },
      ]);
      const subscriptions = await db.query(
        `SELECT u.username, s.twitch_user_id, us.label, us.order_index,
                us.monitor_interval_seconds, us.monitor_min_clips
         FROM user_streamers us JOIN users u ON u.id = us.user_id
         JOIN streamers s ON s.id = us.streamer_id ORDER BY u.username, us.order_index`,
      );
      expect(subscriptions.rows).toEqual([
        {
          username: 'alice',
          twitch_user_id: '1001',
          label: 'main',
          order_index: 0,
          monitor_interval_seconds: null,
          monitor_min_clips: null,
        },
        {
          username: 'alice',
          twitch_user_id: '1002',
          label: null,
          order_index: 1,
          monitor_interval_seconds: null,
          monitor_min_clips: null,
        },
        {
          username: 'bob',
          twitch_user_id: '1001',
          label: null,
          order_index: 0,
          monitor_interval_seconds: null,
          monitor_min_clips: null,
        },
      ]);
      const purchases = await db.query(
        `SELECT sale_id, email, plan, status, payment_method, raw_payload
         FROM purchases ORDER BY sale_id`,
      );
      expect(purchases.rows).toEqual([
        {
          sale_id: 'S-1',
          email: 'alice@example.com',
          plan: 'Mensal Plus',
          status: 'approved',
          payment_method: 'pix',
          raw_payload: '{"event":"SALE_APPROVED"}',
        },
        {
          sale_id: 'S-3',
          email: 'nobody@example.com',
          plan: 'Mensal Solo',
          status: 'approved',
          payment_method: null,
          raw_payload: null,
        },
      ]);
      // The old service applied S-1 to alice: billing must never apply it again (as a pending
      // purchase, were the e-mail to move); S-3 reached nobody and stays pending.
      const events = await db.query(
        `SELECT e.event, e.sale_id, u.username FROM billing_events e
         LEFT JOIN users u ON u.id = e.user_id ORDER BY e.id`,
      );
      expect(events.rows).toEqual([{ event: 'import-legacy', sale_id: 'S-1', username: 'alice' }]);
    });

    it('leaves a purchase the old service applied applied once, through the admin API', async () => {
      const { rows } = await db.query<{ id: number; username: string }>(
        `SELECT id, username FROM users`,
      );
      const id = (username: string) => rows.find((row) => row.username === username)!.id;
      const login = await app
        .http()
        .post('/auth/login')
        .send({ username: 'alice', password: PASSLIB_VECTORS.ascii.password });
      const token = (login.body as { access_token: string }).access_token;
      const patch = (userId: number, body: object) =>
        app
          .http()
          .patch(`/admin/users/${userId}`)
          .set('authorization', `Bearer ${token}`)
          .send(body);
      // S-1's e-mail moves from alice to carol: it was applied (to alice) and is not again.
      expect((await patch(id('alice'), { email: null })).status).toBe(200);
      expect((await patch(id('carol'), { email: 'alice@example.com' })).status).toBe(200);
      // S-3 reached nobody: bob, given its e-mail, gets it (§15).
      expect((await patch(id('bob'), { email: 'nobody@example.com' })).status).toBe(200);
      const plans = await db.query(`SELECT username, plan FROM users ORDER BY username`);
      expect(plans.rows).toEqual([
        { username: 'alice', plan: 'Mensal Plus' },
        { username: 'bob', plan: 'Mensal Solo' },
        { username: 'carol', plan: 'free' },
      ]);
    });

    describe('run again (after the users logged in)', () => {
      let before: Record<string, unknown[]>;
      let rerun: CliRun;

      beforeAll(async () => {
        // Since the first run the service has lived: an admin fixed the streamer imported
        // inactive, and a sync refreshed a view count. The old database still says otherwise.
        await db.query(
          `UPDATE streamers SET is_active = true, api_mode = 'clipador_trial',
                  last_sync_status = 'ok', last_sync_error = NULL
           WHERE twitch_user_id = '1003'`,
        );
        await db.query(`UPDATE clips SET viewer_count = 999 WHERE clip_id = 'c-a'`);
        before = await snapshot();
        rerun = await runImport(target.url, ['--from', legacy.url, '--admins', 'alice']);
      });

      it('changes nothing: rows already here (changed since, or upgraded to bcrypt) stay as they are', async () => {
        expect(rerun.code).toBe(1);
        expect(lines(rerun.stdout)).toEqual([
          ...NOTES,
          'users: read 4, inserted 0, updated 0, skipped 3, rejected 1',
          'streamers: read 4, inserted 0, updated 0, skipped 3, rejected 1',
          'clips: read 8, inserted 0, updated 0, skipped 5, rejected 3',
          'bursts: read 3 old rows, replaced by 2 bursts re-derived by the burst rule over the ' +
            'imported clips (created 0, already stored 2); 2 old rows folded',
          FIRST_SUMMARY[4],
          'purchases: read 3, inserted 0, updated 0, skipped 2, rejected 1',
          'user_channel_configs: read 3, inserted 0, updated 0, skipped 2, rejected 1',
          'user_streamers: read 5, inserted 0, updated 0, skipped 3, rejected 2',
          'clip_deliveries: read 6, inserted 0, updated 0, skipped 4, rejected 1; 1 repeat of a user and clip folded',
          FIRST_SUMMARY[9],
        ]);
        expect(lines(rerun.stderr)).toEqual([
          ...REJECTIONS,
          'Error: 10 row(s) rejected; the other rows were imported',
        ]);
        expect(await snapshot()).toEqual(before);
      });

      it('makes a user already imported an admin when a later run names them in --admins', async () => {
        const promote = await runImport(target.url, [
          '--from',
          legacy.url,
          '--admins',
          'alice,bob',
        ]);
        expect(lines(promote.stdout)).toContain(
          'users: read 4, inserted 0, updated 1, skipped 2, rejected 1',
        );
        const { rows } = await db.query(`SELECT username, role FROM users ORDER BY username`);
        expect(rows).toEqual([
          { username: 'alice', role: 'admin' },
          { username: 'bob', role: 'admin' },
          { username: 'carol', role: 'viewer' },
        ]);
      });
    });
  });

  describe('an old database as its migrations left it (no api_mode, no credentials, tables missing)', () => {
    let legacy: LegacyDatabase;
    let target: { name: string; url: string };
    let db: Client;
    let run: CliRun;
    let badAdmins: CliRun;
    let missingFrom: CliRun;
    let notLegacy: CliRun;
    let ownDatabase: CliRun;
    let rowsAfterRefusals: number;
    let embedded: CliRun[];
    let embeddedDir: string;

    beforeAll(async () => {
      legacy = await createLegacyDatabase('migrations', {
        omit: [
          'purchases',
          'user_channel_configs',
          'clip_deliveries',
          'streamer_status',
          'burst_clips',
        ],
      });
      await legacy.insert('users', [
        {
          id: 7,
          username: 'dave',
          hashed_password: passlibPbkdf2Sha256('dave-old-pass'),
          role: 'admin',
        },
      ]);
      await legacy.insert('streamers', [
        {
          id: 1,
          twitch_user_id: '2001',
          display_name: null,
          monitor_interval_seconds: null,
          monitor_min_clips: 0,
        },
      ]);
      // A naive DateTime column, as SQLAlchemy's create_all makes one: the values are UTC.
      await legacy.client.query(`ALTER TABLE clips ALTER COLUMN created_at TYPE timestamp`);
      await legacy.client.query(
        `INSERT INTO clips (id, clip_id, streamer_id, created_at, viewer_count)
         VALUES (1, 'm-1', 1, '2024-05-01 11:55:00', NULL), (2, 'm-2', 1, '2024-05-01 11:56:00', 3)`,
      );
      await legacy.insert('user_streamers', [{ id: 1, user_id: 7, streamer_id: 1 }]);
      target = await createTestDatabase();
      db = new Client({ connectionString: target.url });
      await db.connect();
      [badAdmins, missingFrom, notLegacy, ownDatabase] = await Promise.all([
        runImport(target.url, ['--from', legacy.url, '--admins', 'dave,mallory']),
        runImport(target.url, []),
        // The maintenance database has none of the ten tables; the target is this service's.
        runImport(target.url, ['--from', databaseUrl('postgres')]),
        runImport(target.url, ['--from', target.url]),
      ]);
      rowsAfterRefusals = (
        await db.query<{ n: number }>(
          `SELECT ((SELECT count(*) FROM users) + (SELECT count(*) FROM streamers)
                 + (SELECT count(*) FROM clips) + (SELECT count(*) FROM user_streamers))::int AS n`,
        )
      ).rows[0].n;
      // Far from UTC, so a naive time read as local time would be off by hours.
      run = await runImport(target.url, ['--from', legacy.url], { TZ: 'America/Sao_Paulo' });
      // The same into the embedded PGlite (one connection: the dry run's savepoints, the cursor).
      embeddedDir = mkdtempSync(join(tmpdir(), 'clipador-legacy-pglite-'));
      const intoEmbedded = (extra: string[]) =>
        runImport(null, ['--from', legacy.url, ...extra], {
          CLIPADOR_EMBEDDED_DATA_DIR: join(embeddedDir, 'pglite'),
        });
      embedded = [];
      for (const extra of [['--dry-run'], [], []]) embedded.push(await intoEmbedded(extra));
    });

    afterAll(async () => {
      await db?.end();
      if (target) await dropTestDatabase(target.name);
      await legacy?.drop();
      if (embeddedDir) rmSync(embeddedDir, { recursive: true, force: true });
    });

    it('imports into the embedded PGlite too: a dry run writes nothing, a second run nothing more', () => {
      const [dry, real, again] = embedded;
      const usersLine = (runResult: CliRun) =>
        lines(runResult.stdout).find((line) => line.startsWith('users:'));
      const clipsLine = (runResult: CliRun) =>
        lines(runResult.stdout).find((line) => line.startsWith('clips:'));
      for (const result of embedded) expect([result.code, result.stderr]).toEqual([0, '']);
      expect(lines(dry.stdout)[0]).toBe('dry run: rolled back, nothing was written');
      expect(lines(dry.stdout).slice(1)).toEqual(lines(run.stdout));
      expect(lines(real.stdout)).toEqual(lines(run.stdout));
      expect(usersLine(again)).toBe('users: read 1, inserted 0, updated 0, skipped 1, rejected 0');
      expect(clipsLine(again)).toBe('clips: read 2, inserted 0, updated 0, skipped 2, rejected 0');
    });

    it('refuses a wrong --from, or --admins naming a user the old database lacks, before writing', () => {
      expect(badAdmins.code).toBe(1);
      expect(lines(badAdmins.stderr)).toEqual([
        'Error: --admins names a user the old database does not have: mallory (nothing was imported)',
      ]);
      expect(notLegacy.code).toBe(1);
      expect(lines(notLegacy.stderr)).toEqual([
        "Error: the database at --from has none of the old service's tables (users, streamers, " +
          'clips, bursts, burst_clips, purchases, user_channel_configs, user_streamers, ' +
          'clip_deliveries, streamer_status): nothing was imported',
      ]);
      expect(ownDatabase.code).toBe(1);
      expect(lines(ownDatabase.stderr)).toEqual([
        "Error: the database at --from is one of this service's, not the old service's: " +
          'nothing was imported',
      ]);
      expect(missingFrom.code).toBe(1);
      expect(lines(missingFrom.stderr)).toEqual([
        'Error: import-legacy needs --from <postgresql url>',
      ]);
      expect(rowsAfterRefusals).toBe(0);
    });

    it('imports what is there with the defaults, says which tables are missing, exits 0', async () => {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(lines(run.stdout)).toEqual([
        'notes:',
        '  streamers id 1: monitor_min_clips 0 is outside 1–1000: clamped to 1',
        'users: read 1, inserted 1, updated 0, skipped 0, rejected 0',
        'streamers: read 1, inserted 1, updated 0, skipped 0, rejected 0',
        'clips: read 2, inserted 2, updated 0, skipped 0, rejected 0',
        'bursts: read 0 old rows, replaced by 1 burst re-derived by the burst rule over the ' +
          'imported clips (created 1, already stored 0); 0 old rows folded',
        'burst_clips: no such table in the old database, 2 imported clips in bursts',
        'purchases: no such table in the old database, nothing to import',
        'user_channel_configs: no such table in the old database, nothing to import',
        'user_streamers: read 1, inserted 1, updated 0, skipped 0, rejected 0',
        'clip_deliveries: no such table in the old database, nothing to import',
        'streamer_status: no such table in the old database, nothing to import',
      ]);
      const { rows } = await db.query(
        `SELECT twitch_user_id, display_name, is_active, monitor_interval_seconds,
                monitor_min_clips, api_mode, client_twitch_client_id, client_twitch_client_secret
         FROM streamers`,
      );
      expect(rows).toEqual([
        {
          twitch_user_id: '2001',
          display_name: '2001',
          is_active: true,
          monitor_interval_seconds: 180,
          monitor_min_clips: 1,
          api_mode: 'clipador_only',
          client_twitch_client_id: null,
          client_twitch_client_secret: null,
        },
      ]);
      const users = await db.query(`SELECT username, role, email, plan, status FROM users`);
      expect(users.rows).toEqual([
        { username: 'dave', role: 'viewer', email: null, plan: 'free', status: 'active' },
      ]);
      const clips = await db.query(
        `SELECT clip_id, created_at, viewer_count FROM clips ORDER BY clip_id`,
      );
      expect(clips.rows).toEqual([
        { clip_id: 'm-1', created_at: new Date('2024-05-01T11:55:00Z'), viewer_count: 0 },
        { clip_id: 'm-2', created_at: new Date('2024-05-01T11:56:00Z'), viewer_count: 3 },
      ]);
    });
  });
});
