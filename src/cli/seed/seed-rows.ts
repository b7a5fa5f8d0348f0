import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateStreamerDto, TWITCH_USER_ID_PATTERN } from '../../streams/dto/create-streamer.dto';
import { StreamerImport } from '../../streams/streamer-import.service';
import { credentialProblems } from '../../streams/streamer-rules';
import { parseTimestamp } from './timestamp';

/** A row's cell by column name: undefined when the file has no such column. */
export type RowValues = (column: string) => string | undefined;

export type RowResult<T> = { ok: true; value: T } | { ok: false; reasons: string[] };

/** What a file of one kind needs: its columns, how a row becomes a value, and its unique key. */
export interface RowSpec<T> {
  kind: 'streamers' | 'clips';
  requiredColumns: readonly string[];
  keyColumn: string;
  key(value: T): string;
  validate(values: RowValues): RowResult<T>;
}

/** A clip row from the old service's CSV export, validated. */
export interface ClipSeedRow {
  clipId: string;
  streamerTwitchUserId: string;
  createdAt: Date;
  viewerCount: number;
  videoId: string | null;
  title: string | null;
  duration: number | null;
  /** Null: the streamer's display_name, known once the streamer is looked up. */
  streamerName: string | null;
}

/** Column widths of the clips table: a longer value would fail the whole streamer's statement. */
const CLIP_ID_MAX = 128;
const VIDEO_ID_MAX = 64;
const STREAMER_NAME_MAX = 256;
/** viewer_count is a PostgreSQL integer. */
const INT_MAX = 2_147_483_647;
const NON_NEGATIVE_INTEGER = /^\d+$/;
const NON_NEGATIVE_DECIMAL = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const SIGNED_INTEGER = /^[+-]?\d+$/;

/**
 * Streamer rows, validated by the same rules as `POST /streams`: the CreateStreamerDto decorators
 * and the service's credential rules, not a copy of them. Cells are turned into the types the DTO
 * expects first (CSV has only text); a cell that does not convert is handed over as it is, so that
 * the DTO's own message names the requirement. `api_mode` is lower-cased (old exports say
 * `CLIENT`). An empty cell is `null` (the API's default, or no value); a missing column is
 * `undefined` (an existing streamer keeps that field; see StreamerImportService.importStreamer).
 */
export const STREAMER_ROWS: RowSpec<StreamerImport> = {
  kind: 'streamers',
  requiredColumns: ['twitch_user_id'],
  keyColumn: 'twitch_user_id',
  key: (streamer) => streamer.twitch_user_id,
  validate: validateStreamerRow,
};

export const CLIP_ROWS: RowSpec<ClipSeedRow> = {
  kind: 'clips',
  requiredColumns: ['clip_id', 'streamer_twitch_user_id', 'created_at'],
  keyColumn: 'clip_id',
  key: (clip) => clip.clipId,
  validate: validateClipRow,
};

export function validateStreamerRow(values: RowValues): RowResult<StreamerImport> {
  const twitchUserId = values('twitch_user_id')?.trim();
  if (!twitchUserId) return reject(['missing twitch_user_id']);

  const reasons: string[] = [];
  const trialExpiresAt = optionalTimestamp(values('trial_expires_at'), 'trial_expires_at', reasons);
  const apiMode = optionalText(values('api_mode'));
  const plain: Record<keyof CreateStreamerDto, unknown> = {
    twitch_user_id: twitchUserId,
    display_name: optionalText(values('display_name')),
    avatar_url: optionalText(values('avatar_url')),
    is_active: undefined,
    monitor_interval_seconds: optionalInteger(values('monitor_interval_seconds')),
    monitor_min_clips: optionalInteger(values('monitor_min_clips')),
    api_mode: typeof apiMode === 'string' ? apiMode.toLowerCase() : apiMode,
    trial_expires_at:
      trialExpiresAt instanceof Date ? trialExpiresAt.toISOString() : trialExpiresAt,
    client_twitch_client_id: optionalText(values('client_twitch_client_id')),
    client_twitch_client_secret: optionalText(values('client_twitch_client_secret')),
  };
  const streamer = plainToInstance(CreateStreamerDto, plain);
  for (const error of validateSync(streamer, { forbidUnknownValues: true })) {
    reasons.push(...Object.values(error.constraints ?? {}));
  }
  if (reasons.length > 0) return reject(reasons);
  const problems = credentialProblems(streamer);
  if (problems.length > 0) return reject(problems.map((problem) => problem.message));
  return { ok: true, value: streamer };
}

export function validateClipRow(values: RowValues): RowResult<ClipSeedRow> {
  const reasons: string[] = [];
  const clipId = requiredText(values, 'clip_id', reasons);
  if (clipId && clipId.length > CLIP_ID_MAX) {
    reasons.push(`clip_id must be at most ${CLIP_ID_MAX} characters`);
  }
  const streamerTwitchUserId = requiredText(values, 'streamer_twitch_user_id', reasons);
  if (streamerTwitchUserId && !TWITCH_USER_ID_PATTERN.test(streamerTwitchUserId)) {
    reasons.push('streamer_twitch_user_id must be a string of 1-64 letters, digits or underscores');
  }
  const createdAtText = requiredText(values, 'created_at', reasons);
  const createdAt = createdAtText ? parseTimestamp(createdAtText) : undefined;
  if (createdAtText && !createdAt) {
    reasons.push(`created_at must be an ISO 8601 date-time (got ${quote(createdAtText)})`);
  }
  const viewerCount = readViewerCount(values('viewer_count'), reasons);
  const duration = readDuration(values('duration'), reasons);
  const videoId = boundedText(values('video_id'), 'video_id', VIDEO_ID_MAX, reasons);
  const streamerName = boundedText(
    values('streamer_name'),
    'streamer_name',
    STREAMER_NAME_MAX,
    reasons,
  );

  if (reasons.length > 0 || !clipId || !streamerTwitchUserId || !createdAt) {
    return reject(reasons);
  }
  return {
    ok: true,
    value: {
      clipId,
      streamerTwitchUserId,
      createdAt,
      viewerCount,
      videoId,
      // Titles are kept exactly as written (spaces included); only an empty one means "none".
      title: values('title') || null,
      duration,
      streamerName,
    },
  };
}

function reject<T>(reasons: string[]): RowResult<T> {
  return { ok: false, reasons };
}

/** undefined for a missing column, null for an empty cell: the two mean different things. */
function nullOrUndefined(cell: string | undefined): null | undefined {
  return cell === undefined ? undefined : null;
}

function optionalText(cell: string | undefined): string | null | undefined {
  const text = cell?.trim();
  return text ? text : nullOrUndefined(cell);
}

/** A whole number becomes a number; anything else stays text for the DTO to refuse by name. */
function optionalInteger(cell: string | undefined): number | string | null | undefined {
  const text = optionalText(cell);
  return typeof text === 'string' && SIGNED_INTEGER.test(text) ? Number(text) : text;
}

function optionalTimestamp(
  cell: string | undefined,
  column: string,
  reasons: string[],
): Date | null | undefined {
  const text = optionalText(cell);
  if (typeof text !== 'string') return text;
  const date = parseTimestamp(text);
  if (!date) reasons.push(`${column} must be an ISO 8601 date-time (got ${quote(text)})`);
  return date;
}

function requiredText(values: RowValues, column: string, reasons: string[]): string | undefined {
  const text = values(column)?.trim();
  if (!text) reasons.push(`missing ${column}`);
  return text || undefined;
}

function boundedText(
  cell: string | undefined,
  column: string,
  max: number,
  reasons: string[],
): string | null {
  const text = cell?.trim();
  if (!text) return null;
  if (text.length > max) reasons.push(`${column} must be at most ${max} characters`);
  return text;
}

/** The old export wrote 0 as often as nothing; an empty cell is 0, as the old seed read it. */
function readViewerCount(cell: string | undefined, reasons: string[]): number {
  const text = cell?.trim();
  if (!text) return 0;
  const count = NON_NEGATIVE_INTEGER.test(text) ? Number(text) : NaN;
  if (!(count <= INT_MAX)) {
    reasons.push(`viewer_count must be an integer from 0 to ${INT_MAX} (got ${quote(text)})`);
    return 0;
  }
  return count;
}

function readDuration(cell: string | undefined, reasons: string[]): number | null {
  const text = cell?.trim();
  if (!text) return null;
  const duration = NON_NEGATIVE_DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(duration)) {
    reasons.push(`duration must be a non-negative number of seconds (got ${quote(text)})`);
    return null;
  }
  return duration;
}

/** A cell quoted in a message, cut short: a stray multi-line title must not flood the report. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
