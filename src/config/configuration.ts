import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import ipaddr from 'ipaddr.js';
import { estimateSecretBits, MIN_SECRET_BITS } from './secret-strength';

/**
 * The whole configuration of Clipador, parsed from `CLIPADOR_*` environment variables.
 *
 * This is the only place that reads the environment. Every variable is checked, and all
 * problems are reported together in one error so that an operator fixes them in one go.
 */

export type AppEnv = 'development' | 'test' | 'production';
export type Role = 'api' | 'worker' | 'scheduler';

export const ROLES: readonly Role[] = ['api', 'worker', 'scheduler'];
export const DEFAULT_CORS_ORIGINS = [
  'http://localhost:3000',
  'http://localhost:5173',
  'http://127.0.0.1:3000',
  'http://127.0.0.1:5173',
];
/** Development-only signing secret; production refuses to start without a real one. */
export const DEV_JWT_SECRET = 'clipador-development-only-jwt-secret-do-not-use';

export interface AppSection {
  env: AppEnv;
  host: string;
  port: number;
  corsOrigins: string[];
  roles: Role[];
  logLevel: string;
  /** The command line is quieter: warnings and errors only, unless CLIPADOR_LOG_LEVEL is set. */
  cliLogLevel: string;
  /**
   * Longest a stop (SIGTERM/SIGINT) may take: running jobs get all but the last few seconds of it
   * to finish, then are interrupted and handed back; past it the process exits with status 1.
   */
  shutdownTimeoutMs: number;
  /** Swagger UI at /docs (and its JSON). */
  docs: boolean;
  /**
   * Which proxies may say who the client is (X-Forwarded-For): none (false, the default: the
   * socket's address is the client's), a hop count, or a list of addresses and CIDRs. Fastify's
   * `trustProxy` takes each form as it is.
   */
  trustProxy: false | number | string[];
  http: HttpSection;
}

export interface HttpSection {
  /** Longest a client may take to send a whole request (headers and body): 408 and closed past it. */
  requestTimeoutMs: number;
  /** Longest a client may take to send the request headers. */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open between two requests. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic in either direction for this long is closed (0 = never); above the
   * keep-alive timeout, so it only catches answers stuck mid-way. */
  idleTimeoutMs: number;
  /** Open connections one API process accepts; more are dropped at once. */
  maxConnections: number;
  /**
   * Live-feed (SSE, `GET /events`) connections one API process holds, counted apart from
   * maxConnections: a stream moves its socket out of the HTTP count. Beyond it /events is 503.
   */
  maxStreamConnections: number;
}

export interface DatabaseSection {
  /** A `postgresql://` URL, or undefined for the embedded PGlite database. */
  url: string | undefined;
  embeddedDir: string;
  poolSize: number;
  logging: boolean;
}

export interface RedisSection {
  /** A `redis://` URL, or undefined to run jobs in-process without Bull. */
  url: string | undefined;
  /** Prefix of every key and queue; deployments (or test runs) sharing a Redis use distinct ones. */
  prefix: string;
}

export interface AuthSection {
  jwtSecret: string;
  accessMinutes: number;
  refreshDays: number;
  /** 32 bytes for AES-256-GCM encryption of streamers' client secrets. */
  encryptionKey: Buffer;
  /**
   * Failed logins allowed per (username, client address) and per client address within the
   * window, before 429. Every attempt is counted before its password is checked.
   */
  loginMaxFailuresPerUsernameAddress: number;
  loginMaxFailuresPerAddress: number;
  loginWindowSeconds: number;
  /**
   * Failures of one username (from every address) before its logins are slowed down, and the
   * longest delay: it doubles from 250 ms with each failure beyond the free ones. A delay, never
   * a refusal, so nobody can lock the owner out.
   */
  loginDelayFreeFailures: number;
  loginDelayMaxMs: number;
  /** Threads that hash and check passwords, and the checks that may wait for one (then 429). */
  passwordWorkers: number;
  passwordQueue: number;
}

export interface TwitchSection {
  clientId: string | undefined;
  clientSecret: string | undefined;
  apiUrl: string;
  authUrl: string;
  /** Timeout of one HTTP request to Twitch, body included. */
  timeoutMs: number;
  /** Retries after a 5xx, a network error or a timeout (429s are waited out, not counted). */
  maxRetries: number;
  /** First retry delay; it doubles with each retry, with jitter. */
  retryBaseMs: number;
  /** Longest one request waits for rate budget before failing with `twitch_rate_limited`. */
  maxRateWaitMs: number;
  /** Points of every client id's bucket left unspent (see src/twitch/rate-budget.ts). */
  rateMargin: number;
  /** What one client id may spend per minute (Twitch: 800); sizes the budget-fitted cycles. */
  pointsPerMinute: number;
}

export interface IngestionSection {
  intervalSeconds: number;
  /** How far before the last sync each sync re-reads, for clips Twitch indexes late. */
  marginMinutes: number;
  /** Streamer jobs one worker process runs at once. */
  concurrency: number;
  /**
   * Bull's job lock: a worker that dies mid-job loses it after this long and the job is run again
   * (the lock is renewed while the job runs, so long jobs are not affected).
   */
  jobLockMs: number;
  /** Share of each credential's per-interval points a cycle leaves unplanned (retries, pages). */
  budgetReservePercent: number;
  /** An offline streamer is synced at least this often when the budget allows (§16). */
  offlineMaxMinutes: number;
}

/** The daily clean-up (PRODUCT §18): what is kept, how long, and when it runs. */
export interface RetentionSection {
  /** false: the scheduler never enqueues it (the `retention` command still runs it). */
  enabled: boolean;
  /** The hour (UTC, 0–23) the scheduler enqueues the day's run. */
  hourUtc: number;
  /** Clips in no burst older than this are deleted. */
  clipDays: number;
  /** clip_deliveries rows older than this are deleted. */
  deliveryDays: number;
  /** Sent notifications older than this are deleted. */
  notificationDays: number;
  /** purchases.raw_payload (personal data) is cleared after this. */
  purchasePayloadDays: number;
  /** Rows one statement touches (≤ 5,000: short transactions, short locks). */
  batchSize: number;
}

export interface PublicClipsSection {
  /** Requests one client address (an IPv6 /64) may make to /public/clips per window, then 429. */
  rateLimit: number;
  rateWindowSeconds: number;
  /** While clips keep arriving, the feed's answer is rebuilt at most this often. */
  refreshSeconds: number;
}

export interface BillingSection {
  /** The `Security-Token` Kirvano sends; unset → every webhook call is refused (403). */
  kirvanoToken: string | undefined;
}

export interface EventsSection {
  /** A comment line is written to every live-feed stream this often (proxies and clients see life). */
  heartbeatMs: number;
  /** Events are kept at least this long for `Last-Event-ID` resumes (Redis Stream or memory ring). */
  retentionMinutes: number;
  /** Live-feed streams one user may hold in one API process; beyond it 429. */
  maxStreamsPerUser: number;
  /** How often each API process checks that the sessions of its streams are still live. */
  sessionCheckMs: number;
  /** Longest the worker waits to publish an event after a commit; then it is logged and dropped. */
  publishTimeoutMs: number;
}

export interface MetricsSection {
  /** Static Bearer token of /metrics; undefined → /metrics is 404. */
  token: string | undefined;
  /** A process without the api role serves /metrics on this port when set. */
  port: number | undefined;
  host: string;
}

export interface AppConfig {
  app: AppSection;
  database: DatabaseSection;
  redis: RedisSection;
  auth: AuthSection;
  twitch: TwitchSection;
  ingestion: IngestionSection;
  retention: RetentionSection;
  publicClips: PublicClipsSection;
  billing: BillingSection;
  events: EventsSection;
  metrics: MetricsSection;
}

export class InvalidConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'InvalidConfigError';
  }
}

const PREFIX = 'CLIPADOR_';

/** Reads one variable at a time and remembers every problem instead of stopping at the first. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(name: string): string | undefined {
    const value = this.env[PREFIX + name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
      this.fail(name, `must be an integer from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
      this.fail(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
      return fallback;
    }
    return value as T;
  }

  list(name: string, fallback: string[]): string[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }

  url(name: string, fallback: string | undefined, protocols: string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        this.fail(name, `must be a ${protocols.join(' or ')} URL (got "${parsed.protocol}")`);
      }
    } catch {
      this.fail(name, 'must be a valid URL');
    }
    return value;
  }

  fail(name: string, message: string): void {
    this.problems.push(`${PREFIX}${name} ${message}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * `postgresql+asyncpg://` is how the old Python service spelled its URL; node-postgres wants the
 * plain scheme, so the driver suffix is dropped.
 */
export function normaliseDatabaseUrl(url: string): string {
  return url.replace(/^postgres(ql)?\+[a-z0-9_]+:\/\//i, 'postgresql://');
}

function parseEncryptionKey(value: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  const decoded = Buffer.from(value, 'base64');
  return decoded.length === 32 ? decoded : undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const read = new EnvReader(env);
  const appEnv = read.oneOf<AppEnv>('APP_ENV', 'development', [
    'development',
    'test',
    'production',
  ]);
  const production = appEnv === 'production';

  const roles = read.list('ROLES', [...ROLES]);
  const unknownRoles = roles.filter((role) => !ROLES.includes(role as Role));
  if (unknownRoles.length > 0 || roles.length === 0) {
    read.fail('ROLES', `must be a comma list of ${ROLES.join(', ')} (got "${read.raw('ROLES')}")`);
  }

  const rawDatabaseUrl = read.url('DATABASE_URL', undefined, [
    'postgres:',
    'postgresql:',
    'postgresql+asyncpg:',
    'postgres+asyncpg:',
  ]);

  // Outside production the JWT secret may be the public development fallback: listen on
  // loopback only, unless told otherwise, so nobody on the network can forge tokens.
  const host = read.string('HOST', production ? '0.0.0.0' : 'localhost');
  const jwtSecret = read.raw('JWT_SECRET');
  if (production && (jwtSecret === undefined || jwtSecret.length < 32)) {
    read.fail(
      'JWT_SECRET',
      'is required in production and must be at least 32 characters (make one with `openssl rand -hex 32`)',
    );
  } else if (production && estimateSecretBits(jwtSecret!) < MIN_SECRET_BITS) {
    read.fail(
      'JWT_SECRET',
      `looks guessable (about ${Math.floor(estimateSecretBits(jwtSecret!))} bits of entropy, ` +
        `${MIN_SECRET_BITS} needed): use a random one, e.g. \`openssl rand -hex 32\``,
    );
  } else if (jwtSecret === undefined && !isLoopbackHost(host)) {
    read.fail(
      'JWT_SECRET',
      `is required when CLIPADOR_HOST (${host}) is not a loopback address: the development ` +
        'fallback secret is public. Set one (`openssl rand -hex 32`) or bind to 127.0.0.1',
    );
  }
  const effectiveJwtSecret = jwtSecret ?? DEV_JWT_SECRET;

  const rawKey = read.raw('ENCRYPTION_KEY');
  let encryptionKey: Buffer | undefined;
  if (rawKey !== undefined) {
    encryptionKey = parseEncryptionKey(rawKey);
    if (!encryptionKey) read.fail('ENCRYPTION_KEY', 'must be 32 bytes, as 64 hex digits or base64');
  } else if (production) {
    read.fail('ENCRYPTION_KEY', 'is required in production (32 bytes, hex or base64)');
  }
  encryptionKey ??= createHash('sha256')
    .update(`clipador-encryption-key:${effectiveJwtSecret}`)
    .digest();

  const config: AppConfig = {
    app: {
      env: appEnv,
      host,
      port: read.int('PORT', 8000, 0, 65535),
      corsOrigins: read.list('CORS_ORIGINS', DEFAULT_CORS_ORIGINS),
      roles: [...new Set(roles)] as Role[],
      logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
      cliLogLevel: read.oneOf('LOG_LEVEL', 'warn', LOG_LEVELS),
      shutdownTimeoutMs: read.int('SHUTDOWN_TIMEOUT_MS', 9_000, 1_000, 600_000),
      docs: read.oneOf('DOCS', production ? 'false' : 'true', ['true', 'false']) === 'true',
      trustProxy: parseTrustProxy(read),
      http: {
        requestTimeoutMs: read.int('HTTP_REQUEST_TIMEOUT_MS', 20_000, 500, 600_000),
        headersTimeoutMs: read.int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 500, 600_000),
        keepAliveTimeoutMs: read.int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 100, 600_000),
        idleTimeoutMs: read.int('HTTP_IDLE_TIMEOUT_MS', 120_000, 0, 3_600_000),
        maxConnections: read.int('HTTP_MAX_CONNECTIONS', 8_192, 16, 1_000_000),
        maxStreamConnections: read.int('HTTP_MAX_STREAM_CONNECTIONS', 10_000, 0, 1_000_000),
      },
    },
    database: {
      url: rawDatabaseUrl === undefined ? undefined : normaliseDatabaseUrl(rawDatabaseUrl),
      embeddedDir: read.string('EMBEDDED_DATA_DIR', './data/pglite'),
      poolSize: read.int('DATABASE_POOL_SIZE', 10, 1, 200),
      logging:
        read.oneOf('DATABASE_LOGGING', appEnv === 'development' ? 'true' : 'false', [
          'true',
          'false',
        ]) === 'true',
    },
    redis: {
      url: read.url('REDIS_URL', undefined, ['redis:', 'rediss:']),
      prefix: read.string('REDIS_PREFIX', 'clipador'),
    },
    auth: {
      jwtSecret: effectiveJwtSecret,
      accessMinutes: read.int('JWT_ACCESS_MINUTES', 60, 1, 60 * 24 * 30),
      refreshDays: read.int('JWT_REFRESH_DAYS', 14, 1, 365),
      encryptionKey,
      loginMaxFailuresPerUsernameAddress: read.int(
        'LOGIN_MAX_FAILURES_PER_USERNAME_ADDRESS',
        5,
        1,
        10_000,
      ),
      loginMaxFailuresPerAddress: read.int('LOGIN_MAX_FAILURES_PER_ADDRESS', 20, 1, 100_000),
      loginWindowSeconds: read.int('LOGIN_WINDOW_SECONDS', 900, 1, 86_400),
      loginDelayFreeFailures: read.int('LOGIN_DELAY_FREE_FAILURES', 5, 0, 100_000),
      loginDelayMaxMs: read.int('LOGIN_DELAY_MAX_MS', 8_000, 0, 60_000),
      passwordWorkers: read.int(
        'PASSWORD_WORKERS',
        Math.max(1, Math.min(4, availableParallelism() - 1)),
        1,
        64,
      ),
      passwordQueue: read.int('PASSWORD_QUEUE', 16, 0, 10_000),
    },
    twitch: {
      clientId: read.optional('TWITCH_CLIENT_ID'),
      clientSecret: read.optional('TWITCH_CLIENT_SECRET'),
      apiUrl: stripTrailingSlash(
        read.url('TWITCH_API_URL', 'https://api.twitch.tv/helix', ['http:', 'https:'])!,
      ),
      authUrl: stripTrailingSlash(
        read.url('TWITCH_AUTH_URL', 'https://id.twitch.tv/oauth2', ['http:', 'https:'])!,
      ),
      timeoutMs: read.int('TWITCH_TIMEOUT_MS', 10_000, 50, 120_000),
      maxRetries: read.int('TWITCH_MAX_RETRIES', 3, 0, 10),
      retryBaseMs: read.int('TWITCH_RETRY_BASE_MS', 500, 1, 60_000),
      maxRateWaitMs: read.int('TWITCH_MAX_RATE_WAIT_MS', 120_000, 0, 3_600_000),
      rateMargin: read.int('TWITCH_RATE_MARGIN', 1, 0, 100),
      pointsPerMinute: read.int('TWITCH_POINTS_PER_MINUTE', 800, 1, 1_000_000),
    },
    ingestion: {
      intervalSeconds: read.int('INGESTION_INTERVAL_SECONDS', 180, 5, 86_400),
      marginMinutes: read.int('INGESTION_MARGIN_MINUTES', 10, 10, 24 * 60),
      concurrency: read.int('INGESTION_CONCURRENCY', 8, 1, 256),
      jobLockMs: read.int('INGESTION_JOB_LOCK_MS', 30_000, 1_000, 600_000),
      budgetReservePercent: read.int('INGESTION_BUDGET_RESERVE_PERCENT', 10, 0, 90),
      offlineMaxMinutes: read.int('INGESTION_OFFLINE_MAX_MINUTES', 30, 1, 24 * 60),
    },
    retention: {
      enabled: read.oneOf('RETENTION_ENABLED', 'true', ['true', 'false']) === 'true',
      hourUtc: read.int('RETENTION_HOUR_UTC', 4, 0, 23),
      clipDays: read.int('RETENTION_CLIP_DAYS', 30, 1, 36_500),
      deliveryDays: read.int('RETENTION_DELIVERY_DAYS', 90, 1, 36_500),
      notificationDays: read.int('RETENTION_NOTIFICATION_DAYS', 30, 1, 36_500),
      purchasePayloadDays: read.int('RETENTION_PURCHASE_PAYLOAD_DAYS', 90, 1, 36_500),
      batchSize: read.int('RETENTION_BATCH_SIZE', 5_000, 100, 5_000),
    },
    publicClips: {
      rateLimit: read.int('PUBLIC_CLIPS_RATE_LIMIT', 120, 1, 1_000_000_000),
      rateWindowSeconds: read.int('PUBLIC_CLIPS_RATE_WINDOW_SECONDS', 60, 1, 86_400),
      refreshSeconds: read.int('PUBLIC_CLIPS_REFRESH_SECONDS', 5, 1, 300),
    },
    billing: {
      kirvanoToken: read.optional('KIRVANO_TOKEN'),
    },
    events: {
      heartbeatMs: read.int('EVENTS_HEARTBEAT_MS', 15_000, 100, 300_000),
      retentionMinutes: read.int('EVENTS_RETENTION_MINUTES', 10, 10, 24 * 60),
      maxStreamsPerUser: read.int('EVENTS_MAX_STREAMS_PER_USER', 10, 1, 100_000),
      sessionCheckMs: read.int('EVENTS_SESSION_CHECK_MS', 5_000, 100, 600_000),
      publishTimeoutMs: read.int('EVENTS_PUBLISH_TIMEOUT_MS', 1_000, 50, 60_000),
    },
    metrics: {
      token: read.optional('METRICS_TOKEN'),
      port:
        read.raw('METRICS_PORT') === undefined ? undefined : read.int('METRICS_PORT', 0, 0, 65535),
      host: read.string('METRICS_HOST', production ? '0.0.0.0' : 'localhost'),
    },
  };

  if (read.problems.length > 0) throw new InvalidConfigError(read.problems);
  return config;
}

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback']);

/** 127.0.0.0/8, ::1 (and its IPv4-mapped form) or a name that means them. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (LOOPBACK_NAMES.has(bare)) return true;
  if (!ipaddr.isValid(bare)) return false;
  const address = ipaddr.process(bare);
  return address.range() === 'loopback';
}

/** CLIPADOR_TRUST_PROXY: unset or `false` → none; an integer → hops; else addresses and CIDRs. */
function parseTrustProxy(read: EnvReader): false | number | string[] {
  const value = read.raw('TRUST_PROXY');
  if (value === undefined || value === 'false' || value === 'none') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10)
      read.fail('TRUST_PROXY', `hop count must be 1 to 10 (got "${value}")`);
    return hops;
  }
  const entries = read.list('TRUST_PROXY', []);
  const bad = entries.filter((entry) => !isAddressOrCidr(entry));
  if (bad.length > 0) {
    read.fail(
      'TRUST_PROXY',
      `must be a hop count or a comma list of IP addresses and CIDRs (bad: ${bad.join(', ')})`,
    );
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  if (entry.includes('/')) {
    try {
      ipaddr.parseCIDR(entry);
      return true;
    } catch {
      return false;
    }
  }
  return ipaddr.isValid(entry);
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
