import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { SecretBox } from '../src/common/crypto/secret-box';
import { CliRun, lines, runCli } from './support/cli';
import { createTestDatabase, dropTestDatabase } from './support/databases';

const STREAMERS_CSV = 'test/fixtures/seed/streamers.csv';
const CLIPS_CSV = 'test/fixtures/seed/clips.csv';
const PLAIN_SECRET = 'plain-secret-1003';
const ENCRYPTION_KEY = randomBytes(32);

interface RowCounts {
  streamers: number;
  clips: number;
  bursts: number;
  burst_clips: number;
}

/** `cli seed …`; the encryption key is the one this spec decrypts with. */
function runSeed(databaseUrl: string, args: string[]): Promise<CliRun> {
  return runCli('seed', args, {
    CLIPADOR_DATABASE_URL: databaseUrl,
    CLIPADOR_ENCRYPTION_KEY: ENCRYPTION_KEY.toString('hex'),
  });
}

const SUMMARY = [
  'streamers: inserted 4, updated 0, skipped 0, rejected 7',
  'clips: inserted 6, updated 0, skipped 0, rejected 9',
  'bursts: created 1, grown 0',
];

const REJECTIONS = [
  `${STREAMERS_CSV}: line 6: missing twitch_user_id`,
  `${STREAMERS_CSV}: line 7: monitor_interval_seconds must be an integer from 10 to 86400`,
  `${STREAMERS_CSV}: line 8: monitor_min_clips must be an integer from 1 to 1000`,
  `${STREAMERS_CSV}: line 9: api_mode must be one of: clipador_only, clipador_trial, client`,
  `${STREAMERS_CSV}: line 10: client_twitch_client_secret is required when api_mode is client`,
  `${STREAMERS_CSV}: line 11: expected 11 fields (as in the header), found 3`,
  `${STREAMERS_CSV}: line 12: duplicate twitch_user_id "1001" (first on line 2)`,
  // clips.csv line 4-5 is one record: its title has a line break.
  `${CLIPS_CSV}: line 9: missing clip_id`,
  `${CLIPS_CSV}: line 10: viewer_count must be an integer from 0 to 2147483647 (got "lots")`,
  `${CLIPS_CSV}: line 11: created_at must be an ISO 8601 date-time (got "yesterday")`,
  `${CLIPS_CSV}: line 12: unknown streamer 9999 (neither stored nor imported by this run)`,
  `${CLIPS_CSV}: line 13: unknown streamer 1008 (neither stored nor imported by this run)`,
  `${CLIPS_CSV}: line 14: duplicate clip_id "AceClutch" (first on line 2)`,
  `${CLIPS_CSV}: line 15: expected 9 fields (as in the header), found 4`,
  `${CLIPS_CSV}: line 16: duration must be a non-negative number of seconds (got "-3")`,
  `${CLIPS_CSV}: line 17: unterminated quoted field (a quote opened here is never closed)`,
  'Error: 16 row(s) rejected; the other rows were imported',
];

describe('cli seed', () => {
  let database: { name: string; url: string };
  let db: Client;
  // The runs happen once, in order, in beforeAll; each test reads what one of them did.
  let bare: CliRun;
  let unreadable: CliRun;
  let dryRun: CliRun;
  let first: CliRun;
  let countsAfterUnreadable: RowCounts;
  let countsAfterDryRun: RowCounts;
  let countsAfterFirst: RowCounts;

  async function countRows(): Promise<RowCounts> {
    const { rows } = await db.query<RowCounts>(
      `SELECT (SELECT count(*) FROM streamers)::int AS streamers,
              (SELECT count(*) FROM clips)::int AS clips,
              (SELECT count(*) FROM bursts)::int AS bursts,
              (SELECT count(*) FROM burst_clips)::int AS burst_clips`,
    );
    return rows[0];
  }

  const both = ['--streamers', STREAMERS_CSV, '--clips', CLIPS_CSV];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();

    [bare, unreadable] = await Promise.all([
      runSeed(database.url, []),
      runSeed(database.url, [
        '--streamers',
        'test/fixtures/seed/missing.csv',
        '--clips',
        CLIPS_CSV,
      ]),
    ]);
    countsAfterUnreadable = await countRows();
    dryRun = await runSeed(database.url, [...both, '--dry-run']);
    countsAfterDryRun = await countRows();
    first = await runSeed(database.url, both);
    countsAfterFirst = await countRows();
  });

  afterAll(async () => {
    await db?.end();
    if (database) await dropTestDatabase(database.name);
  });

  it('refuses to run without a file', () => {
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain('seed needs --streamers <csv>, --clips <csv> or both');
    expect(bare.stdout).toBe('');
  });

  it('stops on an unreadable file with a clear message, before importing anything', () => {
    expect(unreadable.code).toBe(1);
    expect(lines(unreadable.stderr)).toEqual([
      expect.stringMatching(
        /^Error: cannot read streamers file test\/fixtures\/seed\/missing\.csv: ENOENT/,
      ),
    ]);
    expect(countsAfterUnreadable).toEqual({ streamers: 0, clips: 0, bursts: 0, burst_clips: 0 });
  });

  it('reports in a dry run what a real run does, and writes nothing', () => {
    expect(dryRun.code).toBe(1);
    expect(lines(dryRun.stdout)).toEqual(['dry run: rolled back, nothing was written', ...SUMMARY]);
    expect(lines(dryRun.stderr)).toEqual([
      ...REJECTIONS.slice(0, -1),
      'Error: 16 row(s) rejected; the other rows were checked (dry run)',
    ]);
    expect(countsAfterDryRun).toEqual({ streamers: 0, clips: 0, bursts: 0, burst_clips: 0 });
  });

  it('imports the good rows, reports each bad one by line and exits 1', () => {
    expect(first.code).toBe(1);
    expect(lines(first.stdout)).toEqual(SUMMARY);
    expect(lines(first.stderr)).toEqual(REJECTIONS);
    expect(countsAfterFirst).toEqual({ streamers: 4, clips: 6, bursts: 1, burst_clips: 3 });
  });

  it('applies the API defaults, lower-cases api_mode and reads a naive trial end as UTC', async () => {
    const { rows } = await db.query(
      `SELECT twitch_user_id, display_name, avatar_url, is_active, monitor_interval_seconds,
              monitor_min_clips, api_mode, trial_expires_at, client_twitch_client_id
       FROM streamers ORDER BY twitch_user_id`,
    );
    expect(rows).toEqual([
      {
        twitch_user_id: '1001',
        display_name: 'Gaules',
        avatar_url: 'https://static-cdn.jtvnw.net/gaules.png',
        is_active: true,
        monitor_interval_seconds: 120,
        monitor_min_clips: 2,
        api_mode: 'clipador_only',
        trial_expires_at: null,
        client_twitch_client_id: null,
      },
      {
        twitch_user_id: '1002',
        display_name: '1002',
        avatar_url: null,
        is_active: true,
        monitor_interval_seconds: 180,
        monitor_min_clips: 2,
        api_mode: 'clipador_only',
        trial_expires_at: null,
        client_twitch_client_id: null,
      },
      {
        twitch_user_id: '1003',
        display_name: 'Streamer, The Client',
        avatar_url: null,
        is_active: true,
        monitor_interval_seconds: 180,
        monitor_min_clips: 3,
        api_mode: 'client',
        trial_expires_at: null,
        client_twitch_client_id: 'clientid1003',
      },
      {
        twitch_user_id: '1004',
        display_name: 'Trial Guy',
        avatar_url: null,
        is_active: true,
        monitor_interval_seconds: 90,
        monitor_min_clips: 2,
        api_mode: 'clipador_trial',
        trial_expires_at: new Date('2030-01-31T23:59:59Z'),
        client_twitch_client_id: null,
      },
    ]);
  });

  it('imports clips with quoted titles, naive UTC times and the streamer name default', async () => {
    const { rows } = await db.query(
      `SELECT c.clip_id, s.twitch_user_id, c.streamer_name, c.streamer_external_id, c.created_at,
              c.viewer_count, c.video_id, c.title, c.duration
       FROM clips c JOIN streamers s ON s.id = c.streamer_id
       ORDER BY c.created_at`,
    );
    const clip = (
      clipId: string,
      streamer: string,
      streamerName: string,
      at: string,
      viewerCount: number,
      videoId: string | null,
      title: string | null,
      duration: number | null,
    ) => ({
      clip_id: clipId,
      twitch_user_id: streamer,
      streamer_name: streamerName,
      streamer_external_id: streamer,
      created_at: new Date(at),
      viewer_count: viewerCount,
      video_id: videoId,
      title,
      duration,
    });
    expect(rows).toEqual([
      clip(
        'AceClutch',
        '1001',
        'Gaules',
        '2024-05-01T11:50:00Z',
        150,
        'v100',
        'Ace, clutch, 1v5',
        30,
      ),
      clip(
        'AceReplay',
        '1001',
        'Gaules',
        '2024-05-01T11:50:30Z',
        120,
        'v100',
        'He said "gg" twice',
        28.5,
      ),
      clip(
        'AceFans',
        '1001',
        'Gaules TV',
        '2024-05-01T11:51:00Z',
        90,
        'v100',
        'A title\non two lines',
        25,
      ),
      clip('LaterClip', '1001', 'Gaules', '2024-05-01T11:56:00.123Z', 40, null, null, null),
      clip('QuietClip', '1002', '1002', '2024-05-01T12:00:00Z', 0, 'v200', 'Quiet one', null),
      clip(
        'ClientClip',
        '1003',
        'Streamer, The Client',
        '2024-05-01T12:05:00Z',
        7,
        'v300',
        'Client, clip',
        12,
      ),
    ]);
  });

  it('detects the one burst of the PRODUCT example (−10, −9.5, −9, −4 min; W=120 s, K=2)', async () => {
    const { rows } = await db.query(
      `SELECT b.start_time, b.end_time, b.clip_count,
              array_agg(bc.clip_external_id ORDER BY c.created_at) AS clips
       FROM bursts b
       JOIN burst_clips bc ON bc.burst_id = b.id
       JOIN clips c ON c.id = bc.clip_id
       GROUP BY b.id`,
    );
    expect(rows).toEqual([
      {
        start_time: new Date('2024-05-01T11:50:00Z'),
        end_time: new Date('2024-05-01T11:51:00Z'),
        clip_count: 3,
        clips: ['AceClutch', 'AceReplay', 'AceFans'],
      },
    ]);
  });

  it('stores the client secret encrypted and never prints it', async () => {
    const { rows } = await db.query<{ secret: string }>(
      `SELECT client_twitch_client_secret AS secret FROM streamers WHERE twitch_user_id = '1003'`,
    );
    expect(rows[0].secret).not.toContain(PLAIN_SECRET);
    expect(new SecretBox(ENCRYPTION_KEY).decrypt(rows[0].secret)).toBe(PLAIN_SECRET);
    for (const run of [bare, unreadable, dryRun, first]) {
      expect(run.stdout + run.stderr).not.toContain(PLAIN_SECRET);
    }
  });

  describe('run again', () => {
    let rerun: CliRun;
    let secretBefore: string;

    beforeAll(async () => {
      // Twitch counted more views since the export, and someone renamed a streamer: the seed
      // brings both back to the file's values and touches nothing else.
      await db.query(`UPDATE clips SET viewer_count = 1 WHERE clip_id = 'AceReplay'`);
      await db.query(`UPDATE streamers SET display_name = 'Renamed' WHERE twitch_user_id = '1001'`);
      secretBefore = (
        await db.query<{ secret: string }>(
          `SELECT client_twitch_client_secret AS secret FROM streamers WHERE twitch_user_id = '1003'`,
        )
      ).rows[0].secret;
      rerun = await runSeed(database.url, both);
    });

    it('imports nothing twice: unchanged rows are skipped, changed ones updated', async () => {
      expect(rerun.code).toBe(1);
      expect(lines(rerun.stdout)).toEqual([
        'streamers: inserted 0, updated 1, skipped 3, rejected 7',
        'clips: inserted 0, updated 1, skipped 5, rejected 9',
        'bursts: created 0, grown 0',
      ]);
      expect(lines(rerun.stderr)).toEqual(REJECTIONS);
      expect(await countRows()).toEqual(countsAfterFirst);
      const { rows } = await db.query(
        `SELECT (SELECT viewer_count FROM clips WHERE clip_id = 'AceReplay') AS views,
                (SELECT display_name FROM streamers WHERE twitch_user_id = '1001') AS name`,
      );
      expect(rows[0]).toEqual({ views: 120, name: 'Gaules' });
    });

    it('compares the re-imported secret decrypted: the same secret is left as stored', async () => {
      const { rows } = await db.query<{ secret: string }>(
        `SELECT client_twitch_client_secret AS secret FROM streamers WHERE twitch_user_id = '1003'`,
      );
      expect(rows[0].secret).toBe(secretBefore);
      expect(rerun.stdout + rerun.stderr).not.toContain(PLAIN_SECRET);
    });
  });
});
