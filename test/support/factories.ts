import { SecretBox } from '../../src/common/crypto/secret-box';
import { ApiMode } from '../../src/streams/entities/streamer.entity';
import { UserRole } from '../../src/users/entities/user.entity';
import { UsersService } from '../../src/users/users.service';
import { TestApp } from './test-app';

let sequence = 0;

export interface TestUser {
  id: number;
  username: string;
  password: string;
  role: UserRole;
}

/** A user in the app's database, created through the same service the CLI uses. */
export async function createUser(
  testApp: TestApp,
  overrides: Partial<Omit<TestUser, 'id'>> = {},
): Promise<TestUser> {
  sequence++;
  const username = overrides.username ?? `user${sequence}_${process.pid}`;
  const password = overrides.password ?? `password-${sequence}-long-enough`;
  const role = overrides.role ?? 'admin';
  const user = await testApp.app.get(UsersService).createOrUpdate(username, password, role);
  return { id: user.id, username, password, role };
}

export interface Session {
  user: TestUser;
  accessToken: string;
  refreshToken: string;
  /** `Authorization` header value. */
  bearer: string;
}

/** Creates a user with this role and logs in through the HTTP API. */
export async function loginAs(testApp: TestApp, role: UserRole = 'admin'): Promise<Session> {
  const user = await createUser(testApp, { role });
  const response = await testApp
    .http()
    .post('/auth/login')
    .send({ username: user.username, password: user.password })
    .expect(200);
  const body = response.body as { access_token: string; refresh_token: string };
  return {
    user,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    bearer: `Bearer ${body.access_token}`,
  };
}

export interface TestStreamer {
  id: number;
  twitchUserId: string;
  displayName: string;
}

export interface StreamerOverrides {
  twitchUserId?: string;
  displayName?: string;
  isActive?: boolean;
  monitorIntervalSeconds?: number;
  monitorMinClips?: number;
  apiMode?: ApiMode;
  trialExpiresAt?: Date | null;
  clientTwitchClientId?: string | null;
  /** Plain text: stored encrypted with the app's own SecretBox, as the service stores it. */
  clientTwitchClientSecret?: string | null;
}

/** A streamer row inserted with SQL (no HTTP, no service rules), with unique defaults. */
export async function createStreamer(
  testApp: TestApp,
  overrides: StreamerOverrides = {},
): Promise<TestStreamer> {
  sequence++;
  const twitchUserId = overrides.twitchUserId ?? `${900_000 + sequence}${process.pid}`;
  const displayName = overrides.displayName ?? `streamer_${sequence}`;
  const secret = overrides.clientTwitchClientSecret ?? null;
  const rows: Array<{ id: number }> = await testApp.dataSource.query(
    `INSERT INTO streamers (twitch_user_id, display_name, is_active, monitor_interval_seconds,
       monitor_min_clips, api_mode, trial_expires_at, client_twitch_client_id,
       client_twitch_client_secret)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING id`,
    [
      twitchUserId,
      displayName,
      overrides.isActive ?? true,
      overrides.monitorIntervalSeconds ?? 180,
      overrides.monitorMinClips ?? 2,
      overrides.apiMode ?? 'clipador_only',
      overrides.trialExpiresAt ?? null,
      overrides.clientTwitchClientId ?? null,
      secret === null ? null : testApp.app.get(SecretBox).encrypt(secret),
    ],
  );
  return { id: rows[0].id, twitchUserId, displayName };
}

export interface ClipSeed {
  createdAt: Date;
  clipId?: string;
  viewerCount?: number;
  videoId?: string | null;
  title?: string | null;
  url?: string | null;
  thumbnailUrl?: string | null;
  /** Defaults to the streamer's display_name and twitch_user_id. */
  streamerName?: string;
  streamerExternalId?: string;
}

export interface TestClip extends Required<ClipSeed> {
  /** clips.id (the row id; `clipId` is Twitch's id). */
  rowId: number;
}

export interface TestBurst {
  id: number;
  startTime: Date;
  endTime: Date;
  clips: TestClip[];
}

/**
 * Clips of one streamer and the burst made of them, inserted with SQL as ingestion would leave
 * them: anchored on the earliest clip, start and end at the first and last clip, one burst_clips
 * row per clip. Clips are stored in the order given, so tests can check the answer's ordering.
 */
export async function insertBurst(
  testApp: TestApp,
  streamerId: number,
  seeds: ClipSeed[],
  options: { clipCount?: number } = {},
): Promise<TestBurst> {
  if (seeds.length === 0) throw new Error('insertBurst needs at least one clip');
  const [streamer]: Array<{ display_name: string; twitch_user_id: string }> =
    await testApp.dataSource.query(
      'SELECT display_name, twitch_user_id FROM streamers WHERE id = $1',
      [streamerId],
    );
  const clips: TestClip[] = [];
  for (const seed of seeds) {
    sequence++;
    const clip = {
      clipId: seed.clipId ?? `Clip${sequence}_${process.pid}`,
      createdAt: seed.createdAt,
      viewerCount: seed.viewerCount ?? 10 * sequence,
      videoId: seed.videoId === undefined ? `v${sequence}` : seed.videoId,
      title: seed.title === undefined ? `Clip title ${sequence}` : seed.title,
      url: seed.url === undefined ? `https://clips.twitch.tv/c${sequence}` : seed.url,
      thumbnailUrl:
        seed.thumbnailUrl === undefined
          ? `https://clips-media.example/c${sequence}.jpg`
          : seed.thumbnailUrl,
      streamerName: seed.streamerName ?? streamer.display_name,
      streamerExternalId: seed.streamerExternalId ?? streamer.twitch_user_id,
    };
    const rows: Array<{ id: number }> = await testApp.dataSource.query(
      `INSERT INTO clips (clip_id, streamer_id, streamer_name, streamer_external_id, created_at,
         viewer_count, video_id, title, url, thumbnail_url)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       RETURNING id`,
      [
        clip.clipId,
        streamerId,
        clip.streamerName,
        clip.streamerExternalId,
        clip.createdAt,
        clip.viewerCount,
        clip.videoId,
        clip.title,
        clip.url,
        clip.thumbnailUrl,
      ],
    );
    clips.push({ ...clip, rowId: rows[0].id });
  }
  const byTime = [...clips].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const startTime = byTime[0].createdAt;
  const endTime = byTime[byTime.length - 1].createdAt;
  const [burst]: Array<{ id: number }> = await testApp.dataSource.query(
    `INSERT INTO bursts (streamer_id, anchor_clip_id, start_time, end_time, clip_count)
     VALUES ($1, $2, $3, $4, $5)
     RETURNING id`,
    [streamerId, byTime[0].rowId, startTime, endTime, options.clipCount ?? clips.length],
  );
  await testApp.dataSource.query(
    `INSERT INTO burst_clips (burst_id, clip_id, clip_external_id)
     SELECT $1, unnest($2::int[]), unnest($3::text[])`,
    [burst.id, clips.map((clip) => clip.rowId), clips.map((clip) => clip.clipId)],
  );
  return { id: burst.id, startTime, endTime, clips };
}
