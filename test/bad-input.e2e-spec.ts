import { createSecretKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { BurstsService } from '../src/clips/bursts.service';
import { ClipsService } from '../src/clips/clips.service';
import { SeedService } from '../src/cli/seed/seed.service';
import { StreamerImportService } from '../src/streams/streamer-import.service';
import { StreamerSyncService } from '../src/streams/streamer-sync.service';
import { createStreamer, loginAs, Session } from './support/factories';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './support/test-app';

/**
 * Bad input, as one table: every route and the CSV seed, each row a request (or a CSV row) that
 * must be refused with a 4xx (or reported as a rejected row) and a `detail` that says what is
 * wrong. Never a 5xx, and nothing of a refused request stored: after every row the database is
 * compared with the state before it.
 */

/** Who calls: a session of the suite, no credentials, or an `Authorization` header as given. */
type Caller = 'admin' | 'viewer' | 'anonymous' | ((tokens: Tokens) => string);

interface Tokens {
  admin: Session;
  viewer: Session;
  deleted: Session;
}

interface HttpCase {
  /** What is wrong with the request. */
  name: string;
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  path: string;
  as: Caller;
  /** Extra request headers (e.g. Kirvano's Security-Token). */
  headers?: Record<string, string>;
  /** A JSON body (or a function of the suite's tokens giving one), or raw text with its type. */
  body?: unknown;
  raw?: { type: string; text: string };
  status: number;
  code: string;
  detail: RegExp;
}

const key = createSecretKey(Buffer.from(TEST_JWT_SECRET));
const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

/** An access token for `session`'s user, signed as the test says (claims, key, algorithm). */
function forged(
  session: Session,
  change: { claims?: Record<string, unknown>; secret?: string; algorithm?: jwt.Algorithm } = {},
): string {
  const claims: Record<string, unknown> = {
    sub: String(session.user.id),
    username: session.user.username,
    role: session.user.role,
    type: 'access',
    exp: inAMinute(),
    ...change.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return `Bearer ${jwt.sign(claims, change.secret ?? key, { algorithm: change.algorithm ?? 'HS256' })}`;
}

function unsigned(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `Bearer ${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

const VALID_STREAMER = { twitch_user_id: '424242' };
const KIRVANO_TOKEN = 'bad-input-kirvano-token-0123456789';
const KIRVANO = { 'Security-Token': KIRVANO_TOKEN };
const sale = (fields: Record<string, unknown>) => ({
  event: 'SALE_APPROVED',
  sale_id: 'BAD-1',
  customer: { email: 'bad-input@example.com' },
  ...fields,
});
const streamer = (fields: Record<string, unknown>) => ({ ...VALID_STREAMER, ...fields });

// One row per case, so that the table reads as the matrix.
// prettier-ignore
const HTTP_CASES: HttpCase[] = [
  // --- tokens (on a read any user may do, and on an admin write) --------------------------
  { name: 'no Authorization header', method: 'get', path: '/streams', as: 'anonymous', status: 401, code: 'invalid_token', detail: /Missing bearer token/ },
  { name: 'a Basic, not a Bearer, credential', method: 'get', path: '/streams', as: () => 'Basic YWRtaW46YWRtaW4=', status: 401, code: 'invalid_token', detail: /Missing bearer token/ },
  { name: 'a bearer that is not a JWT', method: 'get', path: '/auth/me', as: () => 'Bearer not.a.jwt', status: 401, code: 'invalid_token', detail: /Invalid or expired token/ },
  { name: 'alg none', method: 'get', path: '/auth/me', as: (t) => unsigned({ sub: String(t.admin.user.id), username: t.admin.user.username, role: 'admin', type: 'access', exp: inAMinute() }), status: 401, code: 'invalid_token', detail: /Invalid or expired token/ },
  { name: 'an expired token', method: 'get', path: '/streams', as: (t) => forged(t.admin, { claims: { exp: Math.floor(Date.now() / 1000) - 5 } }), status: 401, code: 'invalid_token', detail: /Invalid or expired token/ },
  { name: 'a token signed with another secret', method: 'post', path: '/streams', body: VALID_STREAMER, as: (t) => forged(t.admin, { secret: 'another-secret-that-is-long-enough-too' }), status: 401, code: 'invalid_token', detail: /Invalid or expired token/ },
  { name: 'HS512 instead of the pinned HS256', method: 'get', path: '/streams', as: (t) => forged(t.admin, { algorithm: 'HS512' }), status: 401, code: 'invalid_token', detail: /Invalid or expired token/ },
  { name: 'a token without exp', method: 'get', path: '/streams', as: (t) => forged(t.admin, { claims: { exp: undefined } }), status: 401, code: 'invalid_token', detail: /Invalid or expired token/ },
  { name: 'a refresh token used as an access token', method: 'post', path: '/streams', body: VALID_STREAMER, as: (t) => `Bearer ${t.admin.refreshToken}`, status: 401, code: 'invalid_token', detail: /Not an access token/ },
  { name: 'a role that does not exist', method: 'post', path: '/streams', body: VALID_STREAMER, as: (t) => forged(t.viewer, { claims: { role: 'root' } }), status: 401, code: 'invalid_token', detail: /Invalid or expired token/ },
  { name: 'a subject that is not a user id', method: 'get', path: '/streams', as: (t) => forged(t.admin, { claims: { sub: '1 OR 1=1' } }), status: 401, code: 'invalid_token', detail: /Invalid or expired token/ },
  { name: "a deleted user's still-valid token", method: 'post', path: '/streams', body: VALID_STREAMER, as: (t) => t.deleted.bearer, status: 401, code: 'invalid_token', detail: /User no longer exists/ },
  { name: 'a viewer creating a streamer', method: 'post', path: '/streams', body: VALID_STREAMER, as: 'viewer', status: 403, code: 'forbidden', detail: /roles: admin/ },
  { name: 'a viewer deleting a streamer', method: 'delete', path: '/streams/1', as: 'viewer', status: 403, code: 'forbidden', detail: /roles: admin/ },
  { name: 'a viewer starting a sync', method: 'post', path: '/ingestion/sync', as: 'viewer', status: 403, code: 'forbidden', detail: /roles: admin/ },
  { name: 'no token for a sync', method: 'post', path: '/ingestion/sync', as: 'anonymous', status: 401, code: 'invalid_token', detail: /Missing bearer token/ },
  { name: 'no token to log out', method: 'post', path: '/auth/logout', as: 'anonymous', status: 401, code: 'invalid_token', detail: /Missing bearer token/ },

  // --- POST /auth/login and /auth/refresh -------------------------------------------------
  { name: 'an unknown field', method: 'post', path: '/auth/login', as: 'anonymous', body: { username: 'a', password: 'b', role: 'admin' }, status: 400, code: 'validation_failed', detail: /role: is not an accepted field/ },
  { name: 'a number as username', method: 'post', path: '/auth/login', as: 'anonymous', body: { username: 42, password: 'b' }, status: 400, code: 'validation_failed', detail: /username: username must be a string/ },
  { name: 'a password over 1024 characters', method: 'post', path: '/auth/login', as: 'anonymous', body: { username: 'a', password: 'x'.repeat(1025) }, status: 400, code: 'validation_failed', detail: /password: password must be shorter than or equal to 1024 characters/ },
  { name: 'no fields', method: 'post', path: '/auth/login', as: 'anonymous', body: {}, status: 400, code: 'invalid_credentials', detail: /^Credenciais inválidas$/ },
  { name: 'SQL injection as username', method: 'post', path: '/auth/login', as: 'anonymous', body: { username: "admin' OR '1'='1' --", password: "' OR '1'='1" }, status: 401, code: 'incorrect_credentials', detail: /^Credenciais incorretas$/ },
  { name: 'malformed JSON', method: 'post', path: '/auth/login', as: 'anonymous', raw: { type: 'application/json', text: '{"username": "admin", ' }, status: 400, code: 'malformed_json', detail: /not valid JSON/ },
  { name: 'a form-encoded login (a cross-site form can send one)', method: 'post', path: '/auth/login', as: 'anonymous', raw: { type: 'application/x-www-form-urlencoded', text: 'username=admin&password=x' }, status: 415, code: 'unsupported_media_type', detail: /Unsupported Media Type/i },
  { name: 'a text/plain login', method: 'post', path: '/auth/login', as: 'anonymous', raw: { type: 'text/plain', text: '{"username":"admin","password":"x"}' }, status: 415, code: 'unsupported_media_type', detail: /Unsupported Media Type/i },
  { name: 'NUL in the username', method: 'post', path: '/auth/login', as: 'anonymous', body: { username: 'adm\u0000in', password: 'x' }, status: 400, code: 'nul_byte', detail: /NUL/ },
  { name: 'a login nested 6,000 deep', method: 'post', path: '/auth/login', as: 'anonymous', raw: { type: 'application/json', text: `{"username":${'['.repeat(6000)}${']'.repeat(6000)}}` }, status: 400, code: 'json_too_deep', detail: /nested deeper than 32/ },
  { name: 'a new password over 72 bytes', method: 'post', path: '/auth/password', as: 'viewer', body: (t: Tokens) => ({ current_password: t.viewer.user.password, new_password: 'x'.repeat(73) }), status: 400, code: 'password_too_long', detail: /at most 72 bytes/ },
  { name: 'no current password', method: 'post', path: '/auth/password', as: 'viewer', body: { new_password: 'long-enough-password' }, status: 400, code: 'validation_failed', detail: /current_password/ },
  { name: 'no token to change a password', method: 'post', path: '/auth/password', as: 'anonymous', body: { current_password: 'a', new_password: 'long-enough-password' }, status: 401, code: 'invalid_token', detail: /Missing bearer token/ },
  { name: 'a JSON array', method: 'post', path: '/auth/login', as: 'anonymous', body: [{ username: 'a', password: 'b' }], status: 400, code: 'validation_failed', detail: /^body: Validation failed \(object is expected\)$/ },
  { name: 'no refresh_token', method: 'post', path: '/auth/refresh', as: 'anonymous', body: {}, status: 400, code: 'validation_failed', detail: /refresh_token: refresh_token should not be empty|refresh_token: refresh_token must be a string/ },
  { name: 'an access token offered as refresh token', method: 'post', path: '/auth/refresh', as: 'anonymous', body: (t: Tokens) => ({ refresh_token: t.viewer.accessToken }), status: 401, code: 'invalid_token', detail: /Not a refresh token/ },
  { name: 'a number as refresh token', method: 'post', path: '/auth/refresh', as: 'anonymous', body: { refresh_token: 12345 }, status: 400, code: 'validation_failed', detail: /refresh_token: refresh_token must be a string/ },
  { name: 'a refresh token that is not a JWT', method: 'post', path: '/auth/refresh', as: 'anonymous', body: { refresh_token: "'; DELETE FROM refresh_tokens; --" }, status: 401, code: 'invalid_token', detail: /Invalid or expired token/ },

  // --- POST /streams ------------------------------------------------------------------------
  { name: 'no twitch_user_id', method: 'post', path: '/streams', as: 'admin', body: { display_name: 'Nobody' }, status: 400, code: 'validation_failed', detail: /twitch_user_id: twitch_user_id must be a string of 1-64 letters, digits or underscores/ },
  { name: 'a number as twitch_user_id', method: 'post', path: '/streams', as: 'admin', body: { twitch_user_id: 424242 }, status: 400, code: 'validation_failed', detail: /twitch_user_id: twitch_user_id must be a string/ },
  { name: 'SQL injection as twitch_user_id', method: 'post', path: '/streams', as: 'admin', body: { twitch_user_id: '1; DROP TABLE streamers; --' }, status: 400, code: 'validation_failed', detail: /twitch_user_id: twitch_user_id must be/ },
  { name: 'an interval below the range', method: 'post', path: '/streams', as: 'admin', body: streamer({ monitor_interval_seconds: 5 }), status: 400, code: 'validation_failed', detail: /monitor_interval_seconds must be an integer from 10 to 86400/ },
  { name: 'an interval as a string', method: 'post', path: '/streams', as: 'admin', body: streamer({ monitor_interval_seconds: '180' }), status: 400, code: 'validation_failed', detail: /monitor_interval_seconds must be an integer from 10 to 86400/ },
  { name: 'a fractional interval', method: 'post', path: '/streams', as: 'admin', body: streamer({ monitor_interval_seconds: 90.5 }), status: 400, code: 'validation_failed', detail: /monitor_interval_seconds must be an integer/ },
  { name: 'zero clips to a burst', method: 'post', path: '/streams', as: 'admin', body: streamer({ monitor_min_clips: 0 }), status: 400, code: 'validation_failed', detail: /monitor_min_clips must be an integer from 1 to 1000/ },
  { name: 'a clip count beyond any integer column', method: 'post', path: '/streams', as: 'admin', body: streamer({ monitor_min_clips: 1e12 }), status: 400, code: 'validation_failed', detail: /monitor_min_clips must be an integer from 1 to 1000/ },
  { name: 'an unknown api_mode', method: 'post', path: '/streams', as: 'admin', body: streamer({ api_mode: 'premium' }), status: 400, code: 'validation_failed', detail: /api_mode must be one of: clipador_only, clipador_trial, client/ },
  { name: 'an api_mode in capitals', method: 'post', path: '/streams', as: 'admin', body: streamer({ api_mode: 'CLIENT' }), status: 400, code: 'validation_failed', detail: /api_mode must be one of/ },
  { name: 'api_mode client without credentials', method: 'post', path: '/streams', as: 'admin', body: streamer({ api_mode: 'client' }), status: 400, code: 'validation_failed', detail: /client_twitch_client_id is required when api_mode is client/ },
  { name: 'a client id without its secret', method: 'post', path: '/streams', as: 'admin', body: streamer({ client_twitch_client_id: 'abc' }), status: 400, code: 'validation_failed', detail: /client_twitch_client_secret is required together with client_twitch_client_id/ },
  { name: 'a trial end that is not a date', method: 'post', path: '/streams', as: 'admin', body: streamer({ trial_expires_at: 'tomorrow' }), status: 400, code: 'validation_failed', detail: /trial_expires_at must be an ISO 8601 date-time with a time zone/ },
  { name: 'a trial end without a time zone', method: 'post', path: '/streams', as: 'admin', body: streamer({ trial_expires_at: '2030-01-01T00:00:00' }), status: 400, code: 'validation_failed', detail: /trial_expires_at must be an ISO 8601 date-time with a time zone/ },
  { name: 'a javascript: avatar URL', method: 'post', path: '/streams', as: 'admin', body: streamer({ avatar_url: 'javascript:alert(1)' }), status: 400, code: 'validation_failed', detail: /avatar_url must be an http\(s\) URL/ },
  { name: 'a string as is_active', method: 'post', path: '/streams', as: 'admin', body: streamer({ is_active: 'yes' }), status: 400, code: 'validation_failed', detail: /is_active: is_active must be a boolean/ },
  { name: 'an object as display_name', method: 'post', path: '/streams', as: 'admin', body: streamer({ display_name: { $ne: null } }), status: 400, code: 'validation_failed', detail: /display_name must be a non-blank string/ },
  { name: 'an id of our own choosing (unknown field)', method: 'post', path: '/streams', as: 'admin', body: streamer({ id: 1 }), status: 400, code: 'validation_failed', detail: /id: is not an accepted field/ },
  { name: 'has_client_credentials (read-only, unknown here)', method: 'post', path: '/streams', as: 'admin', body: streamer({ has_client_credentials: true }), status: 400, code: 'validation_failed', detail: /has_client_credentials: is not an accepted field/ },
  { name: 'a prototype-poisoning body', method: 'post', path: '/streams', as: 'admin', raw: { type: 'application/json', text: '{"twitch_user_id":"424242","__proto__":{"isAdmin":true}}' }, status: 400, code: 'malformed_json', detail: /not valid JSON|prototype/ },
  { name: 'a JSON array', method: 'post', path: '/streams', as: 'admin', body: [VALID_STREAMER], status: 400, code: 'validation_failed', detail: /^body: Validation failed \(object is expected\)$/ },
  { name: 'malformed JSON', method: 'post', path: '/streams', as: 'admin', raw: { type: 'application/json', text: '{"twitch_user_id": 424242' }, status: 400, code: 'malformed_json', detail: /not valid JSON/ },
  { name: 'a body over 1 MB', method: 'post', path: '/streams', as: 'admin', raw: { type: 'application/json', text: JSON.stringify(streamer({ display_name: 'x'.repeat(1024 * 1024) })) }, status: 413, code: 'payload_too_large', detail: /./ },
  // Contract change (PRODUCT §6): a body must be JSON; anything else is a 415, not a 400.
  { name: 'a body that is not JSON', method: 'post', path: '/streams', as: 'admin', raw: { type: 'text/plain', text: 'twitch_user_id=424242' }, status: 415, code: 'unsupported_media_type', detail: /Unsupported Media Type/i },
  { name: 'NUL in a string field', method: 'post', path: '/streams', as: 'admin', body: streamer({ display_name: 'a\u0000b' }), status: 400, code: 'nul_byte', detail: /NUL/ },
  { name: 'JSON nested 6,000 deep', method: 'post', path: '/streams', as: 'admin', raw: { type: 'application/json', text: `{"twitch_user_id":"1","x":${'['.repeat(6000)}${']'.repeat(6000)}}` }, status: 400, code: 'json_too_deep', detail: /nested deeper than 32/ },
  { name: 'a twitch_user_id that exists', method: 'post', path: '/streams', as: 'admin', body: { twitch_user_id: '777' }, status: 409, code: 'streamer_already_exists', detail: /twitch_user_id 777 already exists/ },

  // --- DELETE /streams/:id ----------------------------------------------------------------
  { name: 'an id that is not a number', method: 'delete', path: '/streams/abc', as: 'admin', status: 400, code: 'validation_failed', detail: /id must be an integer from 1 to 2147483647/ },
  { name: 'an id in exponent notation', method: 'delete', path: '/streams/1e3', as: 'admin', status: 400, code: 'validation_failed', detail: /id must be an integer/ },
  { name: 'id 0', method: 'delete', path: '/streams/0', as: 'admin', status: 400, code: 'validation_failed', detail: /id must be an integer from 1/ },
  { name: 'an id beyond the integer column', method: 'delete', path: '/streams/99999999999', as: 'admin', status: 400, code: 'validation_failed', detail: /id must be an integer from 1 to 2147483647/ },
  { name: 'SQL injection as id', method: 'delete', path: `/streams/${encodeURIComponent('1 OR 1=1')}`, as: 'admin', status: 400, code: 'validation_failed', detail: /id must be an integer/ },
  { name: 'an id nobody has', method: 'delete', path: '/streams/2147483647', as: 'admin', status: 404, code: 'streamer_not_found', detail: /Streamer 2147483647 not found/ },

  // --- GET /clips/bursts/recent -----------------------------------------------------------
  { name: 'since_minutes 0', method: 'get', path: '/clips/bursts/recent?since_minutes=0', as: 'viewer', status: 400, code: 'validation_failed', detail: /since_minutes must be an integer from 1 to 240/ },
  { name: 'since_minutes 241', method: 'get', path: '/clips/bursts/recent?since_minutes=241', as: 'viewer', status: 400, code: 'validation_failed', detail: /since_minutes must be an integer from 1 to 240/ },
  { name: 'since_minutes negative', method: 'get', path: '/clips/bursts/recent?since_minutes=-5', as: 'viewer', status: 400, code: 'validation_failed', detail: /since_minutes must be an integer from 1 to 240/ },
  { name: 'since_minutes fractional', method: 'get', path: '/clips/bursts/recent?since_minutes=1.5', as: 'viewer', status: 400, code: 'validation_failed', detail: /since_minutes must be an integer/ },
  { name: 'since_minutes not a number', method: 'get', path: '/clips/bursts/recent?since_minutes=abc', as: 'viewer', status: 400, code: 'validation_failed', detail: /since_minutes must be an integer/ },
  { name: 'since_minutes twice', method: 'get', path: '/clips/bursts/recent?since_minutes=60&since_minutes=60', as: 'viewer', status: 400, code: 'validation_failed', detail: /since_minutes must be an integer/ },
  { name: 'SQL injection in since_minutes', method: 'get', path: `/clips/bursts/recent?since_minutes=${encodeURIComponent('60; DROP TABLE bursts')}`, as: 'viewer', status: 400, code: 'validation_failed', detail: /since_minutes must be an integer/ },
  { name: 'NUL in the query string', method: 'get', path: '/clips/bursts/recent?since_minutes=%00', as: 'viewer', status: 400, code: 'nul_byte', detail: /NUL/ },
  { name: 'an unknown query parameter', method: 'get', path: '/clips/bursts/recent?limit=10', as: 'viewer', status: 400, code: 'validation_failed', detail: /limit: is not an accepted field/ },

  // --- POST /monitoring/resolve -----------------------------------------------------------
  { name: 'an unknown field', method: 'post', path: '/monitoring/resolve', as: 'viewer', body: { modo: 'PADRAO', intervalo: 30 }, status: 400, code: 'validation_failed', detail: /intervalo: is not an accepted field/ },
  { name: 'a JSON array', method: 'post', path: '/monitoring/resolve', as: 'viewer', body: [{ modo: 'PADRAO' }], status: 400, code: 'validation_failed', detail: /^body: Validation failed \(object is expected\)$/ },
  { name: 'a JSON string', method: 'post', path: '/monitoring/resolve', as: 'viewer', raw: { type: 'application/json', text: '"PADRAO"' }, status: 400, code: 'validation_failed', detail: /^body: Validation failed \(object is expected\)$/ },
  { name: 'malformed JSON', method: 'post', path: '/monitoring/resolve', as: 'viewer', raw: { type: 'application/json', text: "{modo: 'PADRAO'}" }, status: 400, code: 'malformed_json', detail: /not valid JSON/ },

  // --- /config/me (PRODUCT §12) -----------------------------------------------------------
  { name: 'no token', method: 'get', path: '/config/me', as: 'anonymous', status: 401, code: 'invalid_token', detail: /Missing bearer token/ },
  { name: 'an unknown field', method: 'put', path: '/config/me', as: 'viewer', body: { channel_slug: 'mine' }, status: 400, code: 'validation_failed', detail: /channel_slug: is not an accepted field/ },
  { name: 'a monitor_mode that does not exist', method: 'put', path: '/config/me', as: 'viewer', body: { monitor_mode: 'TURBO' }, status: 400, code: 'validation_failed', detail: /monitor_mode must be one of: AUTOMATICO, MANUAL, PADRAO, RAPIDO/ },
  { name: 'monitor_mode null', method: 'put', path: '/config/me', as: 'viewer', body: { monitor_mode: null }, status: 400, code: 'validation_failed', detail: /monitor_mode must be one of/ },
  { name: 'a number as partner_mode', method: 'put', path: '/config/me', as: 'viewer', body: { partner_mode: 2 }, status: 400, code: 'validation_failed', detail: /partner_mode must be one of: somente_bot, somente_chefe, chefe_e_bot/ },
  { name: 'manual_min_clips 0', method: 'put', path: '/config/me', as: 'viewer', body: { manual_min_clips: 0 }, status: 400, code: 'validation_failed', detail: /manual_min_clips must be an integer from 1 to 20/ },
  { name: 'manual_interval_seconds 601', method: 'put', path: '/config/me', as: 'viewer', body: { manual_interval_seconds: 601 }, status: 400, code: 'validation_failed', detail: /manual_interval_seconds must be an integer from 30 to 600/ },
  { name: 'manual_interval_seconds as a string', method: 'put', path: '/config/me', as: 'viewer', body: { manual_interval_seconds: '60' }, status: 400, code: 'validation_failed', detail: /manual_interval_seconds must be an integer/ },
  { name: 'manual_min_clips_vod 21', method: 'put', path: '/config/me', as: 'viewer', body: { manual_min_clips_vod: 21 }, status: 400, code: 'validation_failed', detail: /manual_min_clips_vod must be an integer from 1 to 20/ },
  { name: 'a string as notify_online', method: 'put', path: '/config/me', as: 'viewer', body: { notify_online: 'yes' }, status: 400, code: 'validation_failed', detail: /notify_online must be true or false/ },
  { name: 'a description over 2000 characters', method: 'put', path: '/config/me', as: 'viewer', body: { public_description: 'x'.repeat(2001) }, status: 400, code: 'validation_failed', detail: /public_description must be a string of up to 2000 characters/ },
  { name: 'a chefe username over 80 characters', method: 'put', path: '/config/me', as: 'viewer', body: { clipador_chefe_username: 'x'.repeat(81) }, status: 400, code: 'validation_failed', detail: /clipador_chefe_username must be a non-blank string of up to 80/ },
  { name: 'a viewer raising their own slots', method: 'put', path: '/config/me', as: 'viewer', body: { slots_configured: 999 }, status: 403, code: 'admin_only_field', detail: /^Apenas administradores podem alterar: slots_configured\.$/ },
  { name: 'slots_configured 0', method: 'put', path: '/config/me', as: 'admin', body: { slots_configured: 0 }, status: 400, code: 'validation_failed', detail: /slots_configured must be an integer from 1 to 999/ },
  { name: 'a JSON array', method: 'put', path: '/config/me', as: 'viewer', body: [{ notify_online: true }], status: 400, code: 'validation_failed', detail: /^body: Validation failed \(object is expected\)$/ },
  { name: 'malformed JSON', method: 'put', path: '/config/me', as: 'viewer', raw: { type: 'application/json', text: '{"monitor_mode": ' }, status: 400, code: 'malformed_json', detail: /not valid JSON/ },
  { name: 'no twitch_user_id', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { display_name: 'Nobody' }, status: 400, code: 'validation_failed', detail: /twitch_user_id must be a numeric Twitch id or a login/ },
  { name: 'a number as twitch_user_id', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: 424242 }, status: 400, code: 'validation_failed', detail: /twitch_user_id must be a numeric Twitch id or a login/ },
  { name: 'SQL injection as twitch_user_id', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: "1' OR '1'='1" }, status: 400, code: 'validation_failed', detail: /twitch_user_id must be/ },
  { name: 'a login of 2 characters', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: 'ab' }, status: 400, code: 'validation_failed', detail: /twitch_user_id must be/ },
  { name: 'an interval below 30', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: '424242', monitor_interval_seconds: 29 }, status: 400, code: 'validation_failed', detail: /monitor_interval_seconds must be an integer from 30 to 600/ },
  { name: 'monitor_min_clips 11', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: '424242', monitor_min_clips: 11 }, status: 400, code: 'validation_failed', detail: /monitor_min_clips must be an integer from 1 to 10/ },
  { name: 'a javascript: avatar URL', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: '424242', avatar_url: 'javascript:alert(1)' }, status: 400, code: 'validation_failed', detail: /avatar_url must be an http\(s\) URL of up to 500/ },
  { name: 'an avatar URL over 500 characters', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: '424242', avatar_url: `https://example.com/${'a'.repeat(500)}` }, status: 400, code: 'validation_failed', detail: /avatar_url must be an http\(s\) URL of up to 500/ },
  { name: 'a label over 120 characters', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: '424242', label: 'x'.repeat(121) }, status: 400, code: 'validation_failed', detail: /label must be a string of up to 120/ },
  { name: 'a viewer choosing api_mode', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: '424242', api_mode: 'clipador_trial' }, status: 403, code: 'admin_only_field', detail: /^Apenas administradores podem alterar: api_mode\.$/ },
  { name: 'an unknown api_mode', method: 'post', path: '/config/me/streamers', as: 'admin', body: { twitch_user_id: '424242', api_mode: 'premium' }, status: 400, code: 'validation_failed', detail: /api_mode must be one of: clipador_only, clipador_trial, client/ },
  { name: 'api_mode client (no credentials on an attach)', method: 'post', path: '/config/me/streamers', as: 'admin', body: { twitch_user_id: '424242', api_mode: 'client' }, status: 400, code: 'validation_failed', detail: /api_mode client needs/ },
  { name: "a streamer's global field (unknown here)", method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: '424242', is_active: false }, status: 400, code: 'validation_failed', detail: /is_active: is not an accepted field/ },
  { name: 'a streamer already attached', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: '777' }, status: 409, code: 'streamer_already_attached', detail: /^Streamer já configurado\.$/ },
  { name: 'a streamer beyond the slots', method: 'post', path: '/config/me/streamers', as: 'viewer', body: { twitch_user_id: '424242', display_name: 'Over' }, status: 409, code: 'slot_limit_reached', detail: /^Limite de slots atingido para o seu plano\.$/ },
  { name: 'a streamer_id that is not a number', method: 'delete', path: '/config/me/streamers/abc', as: 'viewer', status: 400, code: 'validation_failed', detail: /streamer_id must be an integer from 1 to 2147483647/ },
  { name: 'streamer_id 0', method: 'delete', path: '/config/me/streamers/0', as: 'viewer', status: 400, code: 'validation_failed', detail: /streamer_id must be an integer from 1/ },
  { name: 'a streamer_id not attached', method: 'delete', path: '/config/me/streamers/2147483647', as: 'viewer', status: 404, code: 'streamer_not_attached', detail: /^Streamer não configurado\.$/ },
  { name: 'an empty list', method: 'post', path: '/config/me/streamers/reorder', as: 'viewer', body: { streamer_ids: [] }, status: 400, code: 'validation_failed', detail: /streamer_ids must be an array of 1-999 distinct streamer ids/ },
  { name: 'a repeated id', method: 'post', path: '/config/me/streamers/reorder', as: 'viewer', body: { streamer_ids: [1, 1] }, status: 400, code: 'validation_failed', detail: /streamer_ids must be an array of 1-999 distinct/ },
  { name: 'ids as strings', method: 'post', path: '/config/me/streamers/reorder', as: 'viewer', body: { streamer_ids: ['1'] }, status: 400, code: 'validation_failed', detail: /streamer_ids must be an array/ },
  { name: 'an id beyond the integer column', method: 'post', path: '/config/me/streamers/reorder', as: 'viewer', body: { streamer_ids: [2147483648] }, status: 400, code: 'validation_failed', detail: /streamer_ids must be an array/ },
  { name: 'an id not attached', method: 'post', path: '/config/me/streamers/reorder', as: 'viewer', body: { streamer_ids: [2147483647] }, status: 400, code: 'validation_failed', detail: /streamer_ids: not attached to your channel: 2147483647/ },
  { name: 'an unknown field', method: 'post', path: '/config/me/streamers/reorder', as: 'viewer', body: { streamer_ids: [1], order: 'asc' }, status: 400, code: 'validation_failed', detail: /order: is not an accepted field/ },
  { name: 'limit 0', method: 'get', path: '/config/me/history?limit=0', as: 'viewer', status: 400, code: 'validation_failed', detail: /limit must be an integer from 1 to 200/ },
  { name: 'limit 201', method: 'get', path: '/config/me/history?limit=201', as: 'viewer', status: 400, code: 'validation_failed', detail: /limit must be an integer from 1 to 200/ },
  { name: 'limit not a number', method: 'get', path: '/config/me/history?limit=abc', as: 'viewer', status: 400, code: 'validation_failed', detail: /limit must be an integer/ },
  { name: 'limit twice', method: 'get', path: '/config/me/history?limit=5&limit=5', as: 'viewer', status: 400, code: 'validation_failed', detail: /limit must be an integer/ },
  { name: 'a cursor that is not one', method: 'get', path: `/config/me/history?before=${encodeURIComponent("1' OR 1=1 --")}`, as: 'viewer', status: 400, code: 'validation_failed', detail: /before must be a cursor as next_before gives it/ },
  { name: 'a cursor on a day that does not exist', method: 'get', path: '/config/me/history?before=2026-02-31T00:00:00Z,1', as: 'viewer', status: 400, code: 'validation_failed', detail: /before must be a cursor/ },
  { name: 'an unknown query parameter', method: 'get', path: '/config/me/history?offset=10', as: 'viewer', status: 400, code: 'validation_failed', detail: /offset: is not an accepted field/ },
  // --- GET /public/clips (no login) -------------------------------------------------------
  { name: 'limit 0', method: 'get', path: '/public/clips?limit=0', as: 'anonymous', status: 400, code: 'validation_failed', detail: /limit must be an integer from 1 to 50/ },
  { name: 'limit 51', method: 'get', path: '/public/clips?limit=51', as: 'anonymous', status: 400, code: 'validation_failed', detail: /limit must be an integer from 1 to 50/ },
  { name: 'limit negative', method: 'get', path: '/public/clips?limit=-1', as: 'anonymous', status: 400, code: 'validation_failed', detail: /limit must be an integer/ },
  { name: 'limit fractional', method: 'get', path: '/public/clips?limit=2.5', as: 'anonymous', status: 400, code: 'validation_failed', detail: /limit must be an integer/ },
  { name: 'limit not a number', method: 'get', path: '/public/clips?limit=all', as: 'anonymous', status: 400, code: 'validation_failed', detail: /limit must be an integer/ },
  { name: 'limit twice', method: 'get', path: '/public/clips?limit=5&limit=6', as: 'anonymous', status: 400, code: 'validation_failed', detail: /limit must be an integer/ },
  { name: 'SQL injection in limit', method: 'get', path: `/public/clips?limit=${encodeURIComponent('12; DROP TABLE clips')}`, as: 'anonymous', status: 400, code: 'validation_failed', detail: /limit must be an integer/ },
  { name: 'an unknown query parameter', method: 'get', path: '/public/clips?offset=10', as: 'anonymous', status: 400, code: 'validation_failed', detail: /offset: is not an accepted field/ },

  // --- POST /webhooks/kirvano (no login; Security-Token) ------------------------------------
  { name: 'no Security-Token', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', body: sale({}), status: 403, code: 'invalid_token', detail: /^Invalid token$/ },
  { name: 'a wrong Security-Token', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', headers: { 'Security-Token': `${KIRVANO_TOKEN}0` }, body: sale({}), status: 403, code: 'invalid_token', detail: /^Invalid token$/ },
  { name: 'the token as a bearer instead', method: 'post', path: '/webhooks/kirvano', as: () => `Bearer ${KIRVANO_TOKEN}`, body: sale({}), status: 403, code: 'invalid_token', detail: /^Invalid token$/ },
  { name: 'no customer', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', headers: KIRVANO, body: { event: 'SALE_APPROVED', sale_id: 'BAD-1' }, status: 400, code: 'email_missing', detail: /^Email missing$/ },
  { name: 'an e-mail that is an object', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', headers: KIRVANO, body: sale({ customer: { email: { $ne: null } } }), status: 400, code: 'email_missing', detail: /^Email missing$/ },
  { name: 'an e-mail that is not one', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', headers: KIRVANO, body: sale({ customer: { email: "x' OR '1'='1" } }), status: 400, code: 'invalid_email', detail: /customer.email is not an e-mail address/ },
  { name: 'an approval without sale_id', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', headers: KIRVANO, body: sale({ sale_id: undefined }), status: 400, code: 'sale_id_missing', detail: /^sale_id missing$/ },
  { name: 'a sale_id that is an object', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', headers: KIRVANO, body: sale({ sale_id: { id: 1 } }), status: 400, code: 'sale_id_missing', detail: /^sale_id missing$/ },
  { name: 'a sale_id longer than the column', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', headers: KIRVANO, body: sale({ sale_id: 'S'.repeat(129) }), status: 400, code: 'sale_id_too_long', detail: /at most 128 characters/ },
  { name: 'a JSON array', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', headers: KIRVANO, body: [sale({})], status: 400, code: 'email_missing', detail: /^Email missing$/ },
  { name: 'malformed JSON', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', headers: KIRVANO, raw: { type: 'application/json', text: '{"event":"SALE_APPROVED",' }, status: 400, code: 'malformed_json', detail: /not valid JSON/ },
  { name: 'a body over 64 KB', method: 'post', path: '/webhooks/kirvano', as: 'anonymous', headers: KIRVANO, raw: { type: 'application/json', text: JSON.stringify(sale({ padding: 'x'.repeat(65 * 1024) })) }, status: 413, code: 'payload_too_large', detail: /./ },

  // --- /admin/users… (admins only) ----------------------------------------------------------
  { name: 'no token', method: 'get', path: '/admin/users', as: 'anonymous', status: 401, code: 'invalid_token', detail: /Missing bearer token/ },
  { name: 'a viewer listing users', method: 'get', path: '/admin/users', as: 'viewer', status: 403, code: 'forbidden', detail: /roles: admin/ },
  { name: 'limit 0', method: 'get', path: '/admin/users?limit=0', as: 'admin', status: 400, code: 'validation_failed', detail: /limit must be an integer from 1 to 200/ },
  { name: 'after not a number', method: 'get', path: '/admin/users?after=abc', as: 'admin', status: 400, code: 'validation_failed', detail: /after must be an integer/ },
  { name: 'a viewer changing a plan', method: 'patch', path: '/admin/users/1', as: 'viewer', body: { plan: 'Super' }, status: 403, code: 'forbidden', detail: /roles: admin/ },
  { name: 'an id that is not a number', method: 'patch', path: '/admin/users/abc', as: 'admin', body: { plan: 'Super' }, status: 400, code: 'validation_failed', detail: /id must be an integer from 1 to 2147483647/ },
  { name: 'an unknown role', method: 'patch', path: '/admin/users/1', as: 'admin', body: { role: 'root' }, status: 400, code: 'validation_failed', detail: /role must be one of admin, viewer/ },
  { name: 'an unknown field', method: 'patch', path: '/admin/users/1', as: 'admin', body: { hashed_password: 'x' }, status: 400, code: 'validation_failed', detail: /hashed_password: is not an accepted field/ },
  { name: 'an e-mail that is not one', method: 'patch', path: '/admin/users/1', as: 'admin', body: { email: 'nobody' }, status: 400, code: 'validation_failed', detail: /email must be an e-mail address/ },
  { name: 'zero slots', method: 'patch', path: '/admin/users/1', as: 'admin', body: { slots_configured: 0 }, status: 400, code: 'validation_failed', detail: /slots_configured must be an integer from 1 to 999/ },
  { name: 'an expiry without a time zone', method: 'patch', path: '/admin/users/1', as: 'admin', body: { plan_expires_at: '2030-01-01T00:00:00' }, status: 400, code: 'validation_failed', detail: /plan_expires_at must be an ISO 8601 date-time with a time zone/ },
  { name: 'a null plan', method: 'patch', path: '/admin/users/1', as: 'admin', body: { plan: null }, status: 400, code: 'validation_failed', detail: /plan must be a plan name/ },
  { name: 'a user nobody has', method: 'patch', path: '/admin/users/2147483647', as: 'admin', body: { plan: 'Super' }, status: 404, code: 'user_not_found', detail: /User 2147483647 not found/ },
  { name: 'no password', method: 'post', path: '/admin/users', as: 'admin', body: { username: 'newbie' }, status: 400, code: 'validation_failed', detail: /password must be a string of 8 to 72 bytes/ },
  { name: 'a username with spaces', method: 'post', path: '/admin/users', as: 'admin', body: { username: 'two words', password: 'long-enough-1' }, status: 400, code: 'validation_failed', detail: /username must be 1 to 100 letters/ },
  { name: 'a plan at creation (unknown field)', method: 'post', path: '/admin/users', as: 'admin', body: { username: 'newbie', password: 'long-enough-1', plan: 'Super' }, status: 400, code: 'validation_failed', detail: /plan: is not an accepted field/ },
  { name: 'a username that exists', method: 'post', path: '/admin/users', as: 'admin', body: (t: Tokens) => ({ username: t.viewer.user.username, password: 'long-enough-1' }), status: 409, code: 'username_taken', detail: /already exists/ },
  { name: 'a viewer resetting a password', method: 'post', path: '/admin/users/1/password', as: 'viewer', body: { new_password: 'long-enough-1' }, status: 403, code: 'forbidden', detail: /roles: admin/ },
  { name: 'a password over 72 bytes', method: 'post', path: '/admin/users/1/password', as: 'admin', body: { new_password: 'ç'.repeat(37) }, status: 400, code: 'validation_failed', detail: /new_password must be a string of 8 to 72 bytes/ },
  { name: 'a password for a user nobody has', method: 'post', path: '/admin/users/2147483647/password', as: 'admin', body: { new_password: 'long-enough-1' }, status: 404, code: 'user_not_found', detail: /User 2147483647 not found/ },

  // --- the live feed: GET /events, POST /events/ticket ---------------------------------------
  { name: 'no token and no ticket', method: 'get', path: '/events', as: 'anonymous', status: 401, code: 'invalid_token', detail: /Missing bearer token/ },
  { name: 'a ticket that is not one', method: 'get', path: '/events?ticket=short', as: 'anonymous', status: 401, code: 'invalid_ticket', detail: /ticket unknown, already used or expired/ },
  { name: 'a well-formed ticket nobody issued', method: 'get', path: `/events?ticket=${'A'.repeat(43)}`, as: 'anonymous', status: 401, code: 'invalid_ticket', detail: /ticket unknown/ },
  { name: 'two tickets', method: 'get', path: `/events?ticket=${'A'.repeat(43)}&ticket=${'B'.repeat(43)}`, as: 'anonymous', status: 401, code: 'invalid_ticket', detail: /ticket unknown/ },
  { name: 'SQL injection as ticket', method: 'get', path: "/events?ticket='%20OR%201=1--", as: 'anonymous', status: 401, code: 'invalid_ticket', detail: /ticket unknown/ },
  { name: 'a refresh token as Bearer', method: 'get', path: '/events', as: (t) => `Bearer ${t.viewer.refreshToken}`, status: 401, code: 'invalid_token', detail: /Not an access token/ },
  { name: "a deleted user's token", method: 'get', path: '/events', as: (t) => t.deleted.bearer, status: 401, code: 'invalid_token', detail: /User no longer exists/ },
  { name: 'an unknown query parameter', method: 'get', path: '/events?since=5', as: 'viewer', status: 400, code: 'validation_failed', detail: /since: is not an accepted field/ },
  { name: 'a NUL byte in the ticket', method: 'get', path: '/events?ticket=%00', as: 'anonymous', status: 400, code: 'nul_byte', detail: /NUL/ },
  { name: 'a ticket without a token', method: 'post', path: '/events/ticket', as: 'anonymous', status: 401, code: 'invalid_token', detail: /Missing bearer token/ },
  { name: 'a ticket with a forged token', method: 'post', path: '/events/ticket', as: (t) => forged(t.viewer, { secret: 'not-the-secret-but-long-enough-0123456789' }), status: 401, code: 'invalid_token', detail: /Invalid or expired token/ },

  // --- routes that do not exist -----------------------------------------------------------
  { name: 'POST on a GET-only route', method: 'post', path: '/health', as: 'anonymous', status: 404, code: 'not_found', detail: /POST \/health/ },
  { name: 'a path that does not exist', method: 'get', path: '/streams/1/clips', as: 'admin', status: 404, code: 'not_found', detail: /\/streams\/1\/clips/ },
];

interface CsvCase {
  name: string;
  file: 'streamers' | 'clips';
  /** One data row under the file's header. */
  row: string;
  reason: RegExp;
}

const STREAMERS_HEADER =
  'twitch_user_id,display_name,avatar_url,monitor_interval_seconds,monitor_min_clips,api_mode,trial_expires_at,client_twitch_client_id,client_twitch_client_secret';
const CLIPS_HEADER =
  'clip_id,streamer_twitch_user_id,created_at,viewer_count,video_id,title,duration';

// One row per case, so that the table reads as the matrix.
// prettier-ignore
const CSV_CASES: CsvCase[] = [
  { name: 'no twitch_user_id', file: 'streamers', row: ',Nameless,,180,2,clipador_only,,,', reason: /missing twitch_user_id/ },
  { name: 'SQL injection as twitch_user_id', file: 'streamers', row: '1;DROP TABLE streamers,x,,180,2,clipador_only,,,', reason: /twitch_user_id must be a string of 1-64 letters, digits or underscores/ },
  { name: 'an interval that is not a number', file: 'streamers', row: '5001,x,,soon,2,clipador_only,,,', reason: /monitor_interval_seconds must be an integer from 10 to 86400/ },
  { name: 'an interval below the range', file: 'streamers', row: '5002,x,,5,2,clipador_only,,,', reason: /monitor_interval_seconds must be an integer from 10 to 86400/ },
  { name: 'zero clips to a burst', file: 'streamers', row: '5003,x,,180,0,clipador_only,,,', reason: /monitor_min_clips must be an integer from 1 to 1000/ },
  { name: 'an unknown api_mode', file: 'streamers', row: '5004,x,,180,2,premium,,,', reason: /api_mode must be one of: clipador_only, clipador_trial, client/ },
  { name: 'api_mode client without a secret', file: 'streamers', row: '5005,x,,180,2,client,,id5005,', reason: /client_twitch_client_secret is required when api_mode is client/ },
  { name: 'a trial end that is not a date', file: 'streamers', row: '5006,x,,180,2,clipador_trial,next week,,', reason: /trial_expires_at/ },
  { name: 'an avatar URL that is not http(s)', file: 'streamers', row: '5007,x,ftp://example.com/a.png,180,2,clipador_only,,,', reason: /avatar_url must be an http\(s\) URL/ },
  { name: 'too few fields', file: 'streamers', row: '5008,Short Row', reason: /expected 9 fields \(as in the header\), found 2/ },
  { name: 'no clip_id', file: 'clips', row: ',777,2024-05-01T11:50:00Z,10,v1,Title,30', reason: /missing clip_id/ },
  { name: 'a negative view count', file: 'clips', row: 'NegativeViews,777,2024-05-01T11:50:00Z,-1,v1,Title,30', reason: /viewer_count must be an integer from 0 to 2147483647/ },
  { name: 'a view count beyond the integer column', file: 'clips', row: 'HugeViews,777,2024-05-01T11:50:00Z,99999999999,v1,Title,30', reason: /viewer_count must be an integer from 0 to 2147483647/ },
  { name: 'a creation time that is not a date', file: 'clips', row: 'BadDate,777,yesterday,10,v1,Title,30', reason: /created_at must be an ISO 8601 date-time/ },
  { name: 'an unknown streamer', file: 'clips', row: 'Orphan,999999,2024-05-01T11:50:00Z,10,v1,Title,30', reason: /unknown streamer 999999/ },
  { name: 'a duration that is not a number', file: 'clips', row: 'LongClip,777,2024-05-01T11:50:00Z,10,v1,Title,long', reason: /duration must be a non-negative number of seconds/ },
  { name: 'a clip id longer than the column', file: 'clips', row: `${'C'.repeat(129)},777,2024-05-01T11:50:00Z,10,v1,Title,30`, reason: /clip_id/ },
  { name: 'an unterminated quoted field', file: 'clips', row: 'Quoted,777,2024-05-01T11:50:00Z,10,v1,"Title never closed,30', reason: /unterminated quoted field/ },
];

describe('bad input', () => {
  let testApp: TestApp;
  let tokens: Tokens;
  let seeder: SeedService;
  let csvDir: string;

  beforeAll(async () => {
    testApp = await startTestApp({
      env: {
        // Many refused logins come from one address here; throttling has its own spec.
        CLIPADOR_LOGIN_MAX_FAILURES_PER_ADDRESS: '10000',
        CLIPADOR_LOGIN_MAX_FAILURES_PER_USERNAME_ADDRESS: '10000',
        CLIPADOR_KIRVANO_TOKEN: KIRVANO_TOKEN,
      },
    });
    tokens = {
      admin: await loginAs(testApp, 'admin'),
      viewer: await loginAs(testApp, 'viewer'),
      deleted: await loginAs(testApp, 'admin'),
    };
    await testApp.dataSource.query('DELETE FROM users WHERE id = $1', [tokens.deleted.user.id]);
    await createStreamer(testApp, { twitchUserId: '777' });
    // The viewer's one slot holds streamer 777: a second attach is over the limit.
    await testApp
      .http()
      .post('/config/me/streamers')
      .set('Authorization', tokens.viewer.bearer)
      .send({ twitch_user_id: '777' })
      .expect(201);
    seeder = new SeedService(
      testApp.dataSource,
      testApp.app.get(StreamerImportService),
      testApp.app.get(StreamerSyncService),
      testApp.app.get(ClipsService),
      testApp.app.get(BurstsService),
    );
    csvDir = mkdtempSync(join(tmpdir(), 'clipador-bad-csv-'));
  });

  afterAll(async () => {
    rmSync(csvDir, { recursive: true, force: true });
    await testApp.close();
  });

  /**
   * Every row of every table, as one digest per table: what "nothing stored" is checked against.
   * Not cache_generations: a cache-invalidation counter, not data; its triggers count statements,
   * so a DELETE that finds nothing (the 404 row) moves it, which only costs a cache refill.
   */
  async function databaseState(): Promise<Record<string, string>> {
    const tables: Array<{ table_name: string }> = await testApp.dataSource.query(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
         AND table_name <> 'cache_generations'
       ORDER BY table_name`,
    );
    const state: Record<string, string> = {};
    for (const { table_name } of tables) {
      const [row] = await testApp.dataSource.query(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest
         FROM "${table_name}" t`,
      );
      state[table_name] = `${row.n} rows, ${row.digest}`;
    }
    return state;
  }

  function authorization(caller: Caller): string | undefined {
    if (caller === 'anonymous') return undefined;
    if (caller === 'admin' || caller === 'viewer') return tokens[caller].bearer;
    return caller(tokens);
  }

  it('covers every route and at least 40 cases', () => {
    const routes = new Set(
      HTTP_CASES.map(
        (c) =>
          `${c.method.toUpperCase()} ${c.path.split('?')[0].replace(/\/streams\/.+$/, '/streams/:id')}`,
      ),
    );
    for (const route of [
      'POST /auth/login',
      'POST /auth/refresh',
      'POST /auth/logout',
      'POST /auth/password',
      'GET /auth/me',
      'GET /streams',
      'POST /streams',
      'DELETE /streams/:id',
      'GET /clips/bursts/recent',
      'POST /monitoring/resolve',
      'POST /ingestion/sync',
      'GET /config/me',
      'PUT /config/me',
      'POST /config/me/streamers',
      'DELETE /config/me/streamers/abc',
      'POST /config/me/streamers/reorder',
      'GET /config/me/history',
      'GET /public/clips',
      'POST /webhooks/kirvano',
      'GET /admin/users',
      'PATCH /admin/users/1',
      'POST /admin/users',
      'POST /admin/users/1/password',
      'GET /events',
      'POST /events/ticket',
    ]) {
      expect(routes).toContain(route);
    }
    expect(HTTP_CASES.length + CSV_CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(HTTP_CASES)('$method $path with $name → $status $code', async (c) => {
    const before = await databaseState();
    let request = testApp.http()[c.method](c.path);
    const header = authorization(c.as);
    if (header) request = request.set('Authorization', header);
    for (const [name, value] of Object.entries(c.headers ?? {})) request = request.set(name, value);
    if (c.raw) request = request.set('Content-Type', c.raw.type).send(c.raw.text);
    else if (typeof c.body === 'function')
      request = request.send((c.body as (t: Tokens) => object)(tokens));
    else if (c.body !== undefined) request = request.send(c.body as object);

    const response = await request;

    expect({ status: response.status, code: response.body.code }).toEqual({
      status: c.status,
      code: c.code,
    });
    expect(response.body.statusCode).toBe(c.status);
    expect(response.body.detail).toMatch(c.detail);
    expect(Object.keys(response.body).sort()).toEqual(
      expect.arrayContaining(['code', 'detail', 'statusCode']),
    );
    expect(response.text).not.toMatch(/at .+\.(ts|js):\d+/);
    expect(await databaseState()).toEqual(before);
  });

  it.each(CSV_CASES)('seed $file.csv with $name → the row is reported', async (c) => {
    const path = join(csvDir, `${c.file}.csv`);
    writeFileSync(path, `${c.file === 'streamers' ? STREAMERS_HEADER : CLIPS_HEADER}\n${c.row}\n`);
    const before = await databaseState();

    const report = await seeder.seed({
      streamersPath: c.file === 'streamers' ? path : undefined,
      clipsPath: c.file === 'clips' ? path : undefined,
      dryRun: false,
    });

    const counts = report[c.file]!;
    expect(counts.rejected).toEqual([{ line: 2, reason: expect.stringMatching(c.reason) }]);
    expect(counts.inserted + counts.updated).toBe(0);
    expect(await databaseState()).toEqual(before);
  });

  it('stores SQL-injection text verbatim where free text is allowed, and every table survives', async () => {
    const name = "Robert'); DROP TABLE streamers; --";
    const created = await testApp
      .http()
      .post('/streams')
      .set('Authorization', tokens.admin.bearer)
      .send({ twitch_user_id: '31337', display_name: name })
      .expect(201);
    expect(created.body.display_name).toBe(name);
    const [row] = await testApp.dataSource.query(
      'SELECT display_name FROM streamers WHERE twitch_user_id = $1',
      ['31337'],
    );
    expect(row.display_name).toBe(name);
    const listed = await testApp
      .http()
      .get('/streams')
      .set('Authorization', tokens.viewer.bearer)
      .expect(200);
    expect(listed.body.map((s: { display_name: string }) => s.display_name)).toContain(name);
  });
});
