/**
 * How rows of the old service's database become rows of this one: pure functions over plain data
 * (no Nest, no database), so each decision of LEGACY-SCHEMA.md is tested on its own. A mapper
 * returns the row to write with the notes an operator should read (values clamped, dropped or
 * changed), or the reasons it cannot be taken.
 */
import {
  MONITOR_INTERVAL_RANGE,
  MONITOR_MIN_CLIPS_RANGE,
  TWITCH_USER_ID_PATTERN,
} from '../../streams/dto/create-streamer.dto';
import { API_MODES, ApiMode } from '../../streams/entities/streamer.entity';
import { StreamerImport } from '../../streams/streamer-import.service';
import { UserRole } from '../../users/entities/user.entity';
import { LegacyRow } from './legacy-source';

export type Mapped<T> = { ok: true; value: T; notes: string[] } | { ok: false; reasons: string[] };

export interface Range {
  min: number;
  max: number;
}

/** passlib pbkdf2_sha256 or bcrypt: what UsersService can verify. */
const KNOWN_HASH =
  /^(\$pbkdf2-sha256\$\d+\$[./A-Za-z0-9]*\$[./A-Za-z0-9]+|\$2[abxy]?\$\d\d\$.{53})$/;
const CLIP_ID_MAX = 128;
const INT_MAX = 2_147_483_647;

/** Text as the old columns hold it (varchar, or a number in a drifted column); else null. */
export function text(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const s = String(value).trim();
  return s === '' ? null : s;
}

export function integer(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

export function timestamp(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (!(value instanceof Date) && typeof value !== 'string') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/**
 * A setting the old service never bounded, brought into the API's range: null stays null (the
 * caller's default applies), anything else is clamped, with a note naming the column.
 */
export function clamp(
  value: unknown,
  range: Range,
  column: string,
  notes: string[],
): number | null {
  const n = integer(value);
  if (n === null) return null;
  const clamped = Math.min(range.max, Math.max(range.min, n));
  if (clamped !== n) {
    notes.push(`${column} ${n} is outside ${range.min}–${range.max}: clamped to ${clamped}`);
  }
  return clamped;
}

// ---------------------------------------------------------------------------------------- users

export interface UserImportRow {
  legacyId: number;
  username: string;
  hashedPassword: string;
  role: UserRole;
  /** Lower-cased; null also when another user of the import kept it (see assignEmails). */
  email: string | null;
  plan: string;
  planExpiresAt: Date | null;
  status: string;
  trialUsed: boolean;
  kirvanoCustomerId: string | null;
  kirvanoLastSaleId: string | null;
  createdAt: Date | null;
}

/** Every old user was `admin` (the old default): they become viewers unless named in --admins. */
export function mapUser(row: LegacyRow, admins: ReadonlySet<string>): Mapped<UserImportRow> {
  const reasons: string[] = [];
  const notes: string[] = [];
  const username = text(row.username);
  if (!username) reasons.push('no username');
  else if (username.length > 100) reasons.push('username is longer than 100 characters');
  const hashedPassword = typeof row.hashed_password === 'string' ? row.hashed_password : '';
  if (!hashedPassword) reasons.push('no password hash');
  else if (hashedPassword.length > 255) reasons.push('password hash is longer than 255 characters');
  else if (!KNOWN_HASH.test(hashedPassword)) {
    notes.push(
      'password hash is neither passlib pbkdf2-sha256 nor bcrypt: the user cannot log in ' +
        'until an admin sets a new password',
    );
  }
  if (reasons.length > 0 || !username) return { ok: false, reasons };
  const oldRole = text(row.role);
  if (oldRole !== null && oldRole !== 'admin' && oldRole !== 'viewer') {
    notes.push(`role "${oldRole.slice(0, 32)}" is not a role here: ${role(username, admins)}`);
  }
  return {
    ok: true,
    notes,
    value: {
      legacyId: row.id,
      username,
      hashedPassword,
      role: role(username, admins),
      email: text(row.email)?.toLowerCase() ?? null,
      plan: text(row.plan)?.slice(0, 100) ?? 'free',
      planExpiresAt: timestamp(row.plan_expires_at),
      status: text(row.status)?.slice(0, 32) ?? 'active',
      trialUsed: bool(row.trial_used) ?? false,
      kirvanoCustomerId: text(row.kirvano_customer_id),
      kirvanoLastSaleId: text(row.kirvano_last_sale_id),
      createdAt: timestamp(row.created_at),
    },
  };
}

function role(username: string, admins: ReadonlySet<string>): UserRole {
  return admins.has(username) ? 'admin' : 'viewer';
}

/**
 * E-mails are unique here regardless of case (stored lower-cased); the old index was not. The
 * first user (by old id) keeps an e-mail; a later one that differs only in case is imported
 * without it. Returns the notes by old user id. `users` must be in old-id order.
 */
export function assignEmails(users: UserImportRow[]): Map<number, string> {
  const owner = new Map<string, number>();
  const notes = new Map<number, string>();
  for (const user of users) {
    if (user.email === null) continue;
    const first = owner.get(user.email);
    if (first === undefined) {
      owner.set(user.email, user.legacyId);
      continue;
    }
    user.email = null;
    notes.set(
      user.legacyId,
      `e-mail differs only in case from users id ${first}'s, which keeps it: imported without an e-mail`,
    );
  }
  return notes;
}

// ------------------------------------------------------------------------------------ streamers

export interface StreamerMapping {
  legacyId: number;
  input: StreamerImport;
  /** Set when the streamer is imported inactive: the reason, stored on it. */
  inactiveReason: string | null;
}

/**
 * A streamer row as `StreamerImportService.importStreamer` takes it. A column the old table lacks (the
 * `migrations` shape has no api_mode or credentials) stays undefined: a new streamer gets the
 * default, a stored one keeps its value. api_mode is lower-cased (upper case was seen); an unknown
 * one makes the streamer inactive with the reason on it, as does `client` without credentials.
 * Half a credential pair (an id without its secret) is unusable in any mode and is dropped.
 */
export function mapStreamer(
  row: LegacyRow,
  hasColumn: (column: string) => boolean,
): Mapped<StreamerMapping> {
  const notes: string[] = [];
  const twitchUserId = text(row.twitch_user_id);
  if (!twitchUserId) return { ok: false, reasons: ['no twitch_user_id'] };
  if (!TWITCH_USER_ID_PATTERN.test(twitchUserId)) {
    return {
      ok: false,
      reasons: ['twitch_user_id must be 1-64 letters, digits or underscores'],
    };
  }
  const displayName = text(row.display_name)?.slice(0, 255) ?? null;
  const avatar = text(row.avatar_url);
  const avatarUrl =
    avatar && /^https?:\/\/\S+$/i.test(avatar) && avatar.length <= 2048 ? avatar : null;
  if (avatar && !avatarUrl) notes.push('avatar_url is not an http(s) URL: dropped');

  const input: StreamerImport = {
    twitch_user_id: twitchUserId,
    display_name: displayName,
    avatar_url: avatarUrl,
    is_active: bool(row.is_active),
    monitor_interval_seconds: clamp(
      row.monitor_interval_seconds,
      MONITOR_INTERVAL_RANGE,
      'monitor_interval_seconds',
      notes,
    ),
    monitor_min_clips: clamp(
      row.monitor_min_clips,
      MONITOR_MIN_CLIPS_RANGE,
      'monitor_min_clips',
      notes,
    ),
  };
  let inactiveReason: string | null = null;
  if (hasColumn('api_mode')) {
    const given = text(row.api_mode);
    const mode = given?.toLowerCase() ?? null;
    if (mode === null || (API_MODES as readonly string[]).includes(mode)) {
      input.api_mode = mode as ApiMode | null;
    } else {
      inactiveReason = `unknown api_mode "${given!.slice(0, 32)}" in the old database`;
    }
  }
  if (hasColumn('trial_expires_at')) {
    input.trial_expires_at = timestamp(row.trial_expires_at)?.toISOString() ?? null;
  }
  if (hasColumn('client_twitch_client_id') || hasColumn('client_twitch_client_secret')) {
    const clientId = text(row.client_twitch_client_id);
    const secret = text(row.client_twitch_client_secret);
    if ((clientId === null) !== (secret === null)) {
      notes.push(
        `client_twitch_client_${clientId === null ? 'secret' : 'id'} without its ` +
          `${clientId === null ? 'id' : 'secret'} is unusable: dropped`,
      );
      input.client_twitch_client_id = null;
      input.client_twitch_client_secret = null;
    } else if (clientId !== null && (/\s/.test(clientId) || clientId.length > 128)) {
      notes.push('client_twitch_client_id is not a client id: credentials dropped');
      input.client_twitch_client_id = null;
      input.client_twitch_client_secret = null;
    } else {
      input.client_twitch_client_id = clientId;
      input.client_twitch_client_secret = secret;
    }
  }
  if (input.api_mode === 'client' && !input.client_twitch_client_secret) {
    inactiveReason = 'api_mode client without client credentials in the old database';
  }
  if (inactiveReason !== null) {
    // The mode cannot be kept (unknown, or unusable): the default, and the streamer stays off.
    input.api_mode = undefined;
    input.is_active = false;
    notes.push(`${inactiveReason}: imported inactive`);
  }
  return { ok: true, notes, value: { legacyId: row.id, input, inactiveReason } };
}

// ---------------------------------------------------------------------------------------- clips

export interface ClipImportRow {
  legacyId: number;
  clipId: string;
  streamerName: string | null;
  createdAt: Date;
  viewerCount: number;
  videoId: string | null;
  title: string | null;
  duration: number | null;
}

export function mapClip(row: LegacyRow): Mapped<ClipImportRow> {
  const reasons: string[] = [];
  const notes: string[] = [];
  const clipId = text(row.clip_id);
  if (!clipId) reasons.push('no clip_id');
  else if (clipId.length > CLIP_ID_MAX)
    reasons.push(`clip_id is longer than ${CLIP_ID_MAX} characters`);
  const createdAt = timestamp(row.created_at);
  if (!createdAt) reasons.push('no created_at (the burst rule orders clips by it)');
  if (reasons.length > 0 || !clipId || !createdAt) return { ok: false, reasons };
  let viewerCount = integer(row.viewer_count) ?? 0;
  if (viewerCount < 0 || viewerCount > INT_MAX) {
    notes.push(`viewer_count ${viewerCount} is not a view count: stored as 0`);
    viewerCount = 0;
  }
  const duration = integer(row.duration);
  return {
    ok: true,
    notes,
    value: {
      legacyId: row.id,
      clipId,
      streamerName: text(row.streamer_name)?.slice(0, 256) ?? null,
      createdAt,
      viewerCount,
      videoId: text(row.video_id)?.slice(0, 64) ?? null,
      title: typeof row.title === 'string' && row.title !== '' ? row.title : null,
      duration: duration !== null && duration >= 0 ? duration : null,
    },
  };
}

// ---------------------------------------------------------------------- user_channel_configs

/** §12's ranges, as `PUT /config/me` enforces them. */
export const MANUAL_MIN_CLIPS_RANGE: Range = { min: 1, max: 20 };
export const MANUAL_INTERVAL_RANGE: Range = { min: 30, max: 600 };
export const SLOTS_CONFIGURED_RANGE: Range = { min: 1, max: 999 };
export const MONITOR_MODES = ['AUTOMATICO', 'MANUAL', 'PADRAO', 'RAPIDO'] as const;
export const PARTNER_MODES = ['somente_bot', 'somente_chefe', 'chefe_e_bot'] as const;

export interface ChannelConfigImportRow {
  legacyUserId: number;
  monitorMode: string;
  partnerMode: string;
  clipadorChefeUsername: string | null;
  manualMinClips: number | null;
  manualIntervalSeconds: number | null;
  manualMinClipsVod: number | null;
  slotsConfigured: number | null;
  notifyOnline: boolean;
  publicShareEnabled: boolean;
  publicDescription: string | null;
  createdAt: Date | null;
}

/**
 * A user's channel configuration. Modes are normalised as `PUT /config/me` does (monitor_mode
 * upper-cased, partner_mode lower-cased); an unknown one takes the default with a note. The old
 * channel_name, channel_slug and twitch_client_* columns were never used and are not kept.
 */
export function mapChannelConfig(row: LegacyRow): Mapped<ChannelConfigImportRow> {
  const notes: string[] = [];
  const legacyUserId = integer(row.user_id);
  if (legacyUserId === null) return { ok: false, reasons: ['no user_id'] };
  const monitorMode = oneOf(
    row.monitor_mode,
    MONITOR_MODES,
    'AUTOMATICO',
    'monitor_mode',
    notes,
    'upper',
  );
  const partnerMode = oneOf(
    row.partner_mode,
    PARTNER_MODES,
    'somente_bot',
    'partner_mode',
    notes,
    'lower',
  );
  const chefe = text(row.clipador_chefe_username);
  return {
    ok: true,
    notes,
    value: {
      legacyUserId,
      monitorMode,
      partnerMode,
      clipadorChefeUsername: chefe?.slice(0, 80) ?? null,
      manualMinClips: clamp(
        row.manual_min_clips,
        MANUAL_MIN_CLIPS_RANGE,
        'manual_min_clips',
        notes,
      ),
      manualIntervalSeconds: clamp(
        row.manual_interval_seconds,
        MANUAL_INTERVAL_RANGE,
        'manual_interval_seconds',
        notes,
      ),
      manualMinClipsVod: clamp(
        row.manual_min_clips_vod,
        MANUAL_MIN_CLIPS_RANGE,
        'manual_min_clips_vod',
        notes,
      ),
      slotsConfigured: clamp(
        row.slots_configured,
        SLOTS_CONFIGURED_RANGE,
        'slots_configured',
        notes,
      ),
      notifyOnline: bool(row.notify_online) ?? true,
      publicShareEnabled: bool(row.public_share_enabled) ?? false,
      publicDescription: typeof row.public_description === 'string' ? row.public_description : null,
      createdAt: timestamp(row.created_at),
    },
  };
}

function oneOf(
  value: unknown,
  allowed: readonly string[],
  fallback: string,
  column: string,
  notes: string[],
  fold: 'upper' | 'lower',
): string {
  const given = text(value);
  if (given === null) return fallback;
  const folded = fold === 'upper' ? given.toUpperCase() : given.toLowerCase();
  if (allowed.includes(folded)) return folded;
  notes.push(`unknown ${column} "${given.slice(0, 32)}": ${fallback}`);
  return fallback;
}

// ----------------------------------------------------------------------------- user_streamers

export interface SubscriptionImportRow {
  legacyId: number;
  legacyUserId: number;
  legacyStreamerId: number;
  label: string | null;
  orderIndex: number;
  createdAt: Date | null;
}

export function mapSubscription(row: LegacyRow): Mapped<SubscriptionImportRow> {
  const legacyUserId = integer(row.user_id);
  const legacyStreamerId = integer(row.streamer_id);
  const reasons = [
    ...(legacyUserId === null ? ['no user_id'] : []),
    ...(legacyStreamerId === null ? ['no streamer_id'] : []),
  ];
  if (legacyUserId === null || legacyStreamerId === null) return { ok: false, reasons };
  const orderIndex = integer(row.order_index) ?? 0;
  return {
    ok: true,
    notes: [],
    value: {
      legacyId: row.id,
      legacyUserId,
      legacyStreamerId,
      label: text(row.label)?.slice(0, 120) ?? null,
      orderIndex: Math.min(INT_MAX, Math.max(-INT_MAX, orderIndex)),
      createdAt: timestamp(row.created_at),
    },
  };
}

// ---------------------------------------------------------------------------- clip_deliveries

export interface DeliveryImportRow {
  legacyId: number;
  legacyUserId: number;
  legacyStreamerId: number;
  clipExternalId: string;
  deliveredAt: Date | null;
  deliveryChannel: string;
  /** JSON text of an object, or null. */
  extraPayload: string | null;
}

/**
 * A delivery. Its clip is named by clip_external_id, or else by the old clip row it points to
 * (`clipExternalIdOf`, the old clips' ids by old row id); its burst is not taken from the old row
 * (old bursts are replaced) but found again through its clip when it is written.
 */
export function mapDelivery(
  row: LegacyRow,
  clipExternalIdOf: (legacyClipId: number) => string | undefined,
): Mapped<DeliveryImportRow> {
  const notes: string[] = [];
  const legacyUserId = integer(row.user_id);
  const legacyStreamerId = integer(row.streamer_id);
  const legacyClipId = integer(row.clip_id);
  const clipExternalId =
    text(row.clip_external_id) ??
    (legacyClipId === null ? null : (clipExternalIdOf(legacyClipId) ?? null));
  const reasons = [
    ...(legacyUserId === null ? ['no user_id'] : []),
    ...(legacyStreamerId === null ? ['no streamer_id'] : []),
    ...(clipExternalId === null ? ['no clip_external_id and no clip it names'] : []),
    ...(clipExternalId !== null && clipExternalId.length > CLIP_ID_MAX
      ? [`clip_external_id is longer than ${CLIP_ID_MAX} characters`]
      : []),
  ];
  if (reasons.length > 0 || legacyUserId === null || legacyStreamerId === null || !clipExternalId) {
    return { ok: false, reasons };
  }
  let extraPayload: string | null = null;
  if (typeof row.extra_payload === 'string' && row.extra_payload.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(row.extra_payload);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        extraPayload = JSON.stringify(parsed);
      } else {
        notes.push('extra_payload is not a JSON object: dropped');
      }
    } catch {
      notes.push('extra_payload is not valid JSON: dropped');
    }
  }
  return {
    ok: true,
    notes,
    value: {
      legacyId: row.id,
      legacyUserId,
      legacyStreamerId,
      clipExternalId,
      deliveredAt: timestamp(row.delivered_at),
      deliveryChannel: text(row.delivery_channel)?.slice(0, 32) ?? 'web',
      extraPayload,
    },
  };
}

// ---------------------------------------------------------------------------------- purchases

export interface PurchaseImportRow {
  legacyId: number;
  saleId: string;
  email: string | null;
  plan: string | null;
  status: string | null;
  paymentMethod: string | null;
  rawPayload: string | null;
  createdAt: Date | null;
}

/**
 * A Kirvano purchase as the old webhook stored it; the e-mail lower-cased, as users' are, and the
 * status too (billing matches `approved`).
 */
export function mapPurchase(row: LegacyRow): Mapped<PurchaseImportRow> {
  const saleId = text(row.sale_id);
  if (!saleId) return { ok: false, reasons: ['no sale_id'] };
  if (saleId.length > 128) return { ok: false, reasons: ['sale_id is longer than 128 characters'] };
  return {
    ok: true,
    notes: [],
    value: {
      legacyId: row.id,
      saleId,
      email: text(row.email)?.toLowerCase().slice(0, 255) ?? null,
      plan: text(row.plan)?.slice(0, 100) ?? null,
      status: text(row.status)?.toLowerCase().slice(0, 32) ?? null,
      paymentMethod: text(row.payment_method)?.slice(0, 64) ?? null,
      rawPayload: typeof row.raw_payload === 'string' ? row.raw_payload : null,
      createdAt: timestamp(row.created_at),
    },
  };
}
