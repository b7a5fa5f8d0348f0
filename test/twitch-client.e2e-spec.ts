import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Logger, LoggerService } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { AppConfig, loadConfig } from '../src/config/configuration';
import { REDIS, RedisModule, redisOptions } from '../src/redis/redis.module';
import { HelixClip, TwitchCredentials } from '../src/twitch/helix.types';
import { TwitchClient, twitchClientOptions } from '../src/twitch/twitch.client';
import {
  TwitchCredentialsError,
  TwitchError,
  TwitchRateLimitedError,
  TwitchRequestError,
  TwitchUnavailableError,
} from '../src/twitch/twitch.errors';
import { chooseStore } from '../src/redis/provide-store';
import { createRateBudget, rateBudgetStores, TwitchModule } from '../src/twitch/twitch.module';
import { TEST_REDIS_URL } from './support/databases';
import { TwitchSimulator } from './twitch-simulator/twitch-simulator';

/**
 * The Helix client against the loopback simulator: pagination, time windows, every Twitch fault
 * of TARGETS.md, and the rate budget, in one process and shared through Redis by two.
 */

const CLIENT_ID = 'clipador-app';
// Distinctive, so that a leak into an error or a log line cannot be missed by the search below.
const CLIENT_SECRET = `never-leak-${randomBytes(6).toString('hex')}`;
const CREDENTIALS: TwitchCredentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
const BROADCASTER = '7001';
/** Redis keys of this run only; removed at the end. */
const REDIS_PREFIX = `clipador-test:${process.pid}:${Date.now().toString(36)}`;

/** Every line the client logs, as JSON text, to search for secrets. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep(level: string, args: unknown[]): void {
    this.lines.push(`${level} ${JSON.stringify(args)}`);
  }
  log(...args: unknown[]): void {
    this.keep('log', args);
  }
  warn(...args: unknown[]): void {
    this.keep('warn', args);
  }
  error(...args: unknown[]): void {
    this.keep('error', args);
  }
  debug(...args: unknown[]): void {
    this.keep('debug', args);
  }
  verbose(...args: unknown[]): void {
    this.keep('verbose', args);
  }
}

function testConfig(sim: TwitchSimulator, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    CLIPADOR_APP_ENV: 'test',
    CLIPADOR_TWITCH_API_URL: sim.helixUrl,
    CLIPADOR_TWITCH_AUTH_URL: sim.authUrl,
    CLIPADOR_TWITCH_TIMEOUT_MS: '300',
    CLIPADOR_TWITCH_RETRY_BASE_MS: '10',
    CLIPADOR_TWITCH_MAX_RETRIES: '3',
    CLIPADOR_TWITCH_MAX_RATE_WAIT_MS: '15000',
    CLIPADOR_REDIS_PREFIX: REDIS_PREFIX,
    ...env,
  });
}

/** A client as one worker process would build it: own token cache, budget in memory or Redis. */
function buildClient(
  sim: TwitchSimulator,
  options: { redis?: Redis; env?: Record<string, string> } = {},
): TwitchClient {
  const { twitch, redis } = testConfig(sim, options.env);
  return new TwitchClient(
    twitchClientOptions(twitch),
    createRateBudget(twitch, chooseStore(options.redis, redis.prefix, rateBudgetStores)),
  );
}

async function connectRedis(): Promise<Redis> {
  const redis = new Redis(TEST_REDIS_URL, { ...redisOptions(), lazyConnect: true });
  await redis.connect();
  return redis;
}

/** Removes this run's budget keys, so each case starts with a budget that knows nothing. */
async function clearBudgetKeys(): Promise<void> {
  const redis = await connectRedis();
  try {
    const keys = await redis.keys(`${REDIS_PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

function addClips(
  sim: TwitchSimulator,
  broadcasterId: string,
  count: number,
  at = Date.now() - 60_000,
) {
  const clips: HelixClip[] = [];
  for (let index = 0; index < count; index++) {
    clips.push(
      sim.addClip({ broadcaster_id: broadcasterId, created_at: new Date(at), view_count: index }),
    );
  }
  return clips;
}

function sinceAnHourAgo() {
  return { broadcasterId: BROADCASTER, startedAt: new Date(Date.now() - 3600_000) };
}

describe('TwitchClient against the Twitch simulator', () => {
  let sim: TwitchSimulator;
  let logs: CapturingLogger;

  beforeAll(async () => {
    sim = await TwitchSimulator.start({ rateLimit: null });
  });

  afterAll(async () => {
    await sim.close();
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    sim.reset();
    sim.setRateLimit(null);
    sim.addApp(CLIENT_ID, CLIENT_SECRET);
    logs = new CapturingLogger();
    Logger.overrideLogger(logs);
  });

  describe('reading clips and users', () => {
    it('follows the cursor over several pages and returns every clip once', async () => {
      const clips = addClips(sim, BROADCASTER, 250);

      const fetched = await buildClient(sim).getClips(CREDENTIALS, sinceAnHourAgo());

      expect(fetched.map((clip) => clip.id).sort()).toEqual(clips.map((clip) => clip.id).sort());
      expect(sim.requests('clips')).toHaveLength(3);
    });

    it('stops at the empty page that follows a full last page', async () => {
      addClips(sim, BROADCASTER, 200);

      const fetched = await buildClient(sim).getClips(CREDENTIALS, sinceAnHourAgo());

      expect(fetched).toHaveLength(200);
      // 100 + 100 + the empty page Twitch's cursor pointed to.
      expect(sim.requests('clips')).toHaveLength(3);
    });

    it('asks for started_at and ended_at, ended_at defaulting to now', async () => {
      const now = Date.now();
      const [old] = addClips(sim, BROADCASTER, 1, now - 3 * 3600_000);
      const [recent] = addClips(sim, BROADCASTER, 1, now - 30 * 60_000);
      const [inAnHour] = addClips(sim, BROADCASTER, 1, now + 3600_000);
      const client = buildClient(sim);

      const window = await client.getClips(CREDENTIALS, {
        broadcasterId: BROADCASTER,
        startedAt: new Date(now - 4 * 3600_000),
        endedAt: new Date(now - 2 * 3600_000),
      });
      const untilNow = await client.getClips(CREDENTIALS, {
        broadcasterId: BROADCASTER,
        startedAt: new Date(now - 3600_000),
      });

      expect(window.map((clip) => clip.id)).toEqual([old.id]);
      // Without ended_at Twitch would return a week from started_at, including the future clip.
      expect(untilNow.map((clip) => clip.id)).toEqual([recent.id]);
      expect(untilNow.map((clip) => clip.id)).not.toContain(inAnHour.id);
    });

    it('looks users up by id and login in batches of 100', async () => {
      for (let index = 0; index < 150; index++) {
        sim.addUser({
          id: String(9000 + index),
          login: `user${index}`,
          display_name: `User${index}`,
        });
      }
      const ids = Array.from({ length: 140 }, (_, index) => String(9000 + index));

      const users = await buildClient(sim).getUsers(CREDENTIALS, { ids, logins: ['USER149'] });

      expect(users).toHaveLength(141);
      expect(users.map((user) => user.login)).toContain('user149');
      expect(sim.requests('users')).toHaveLength(2);
    });
  });

  describe('Twitch faults', () => {
    it('waits for Ratelimit-Reset after a 429, then completes', async () => {
      addClips(sim, BROADCASTER, 5);
      sim.failNext({ status: 429, count: 1, path: 'clips', resetInMs: 800 });

      const fetched = await buildClient(sim).getClips(CREDENTIALS, sinceAnHourAgo());

      expect(fetched).toHaveLength(5);
      const [limited, retried] = sim.requests('clips');
      expect(limited.status).toBe(429);
      expect(retried.status).toBe(200);
      // Ratelimit-Reset is a whole second at least 800 ms after the 429.
      const reset = Math.ceil((limited.at + 800) / 1000) * 1000;
      expect(retried.at).toBeGreaterThanOrEqual(reset - 5);
      expect(logs.lines.some((line) => line.includes('twitch_rate_limited'))).toBe(true);
    });

    it('gives up with twitch_rate_limited when the reset is further away than it may wait', async () => {
      sim.failNext({ status: 429, count: 1, path: 'clips', resetInMs: 30_000 });
      const client = buildClient(sim, { env: { CLIPADOR_TWITCH_MAX_RATE_WAIT_MS: '1000' } });
      const started = Date.now();

      const error = await client.getClips(CREDENTIALS, sinceAnHourAgo()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TwitchRateLimitedError);
      expect((error as TwitchRateLimitedError).retryable).toBe(true);
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('retries a 500 and a 503 and completes', async () => {
      addClips(sim, BROADCASTER, 3);
      sim.failNext({ status: 500, count: 1, path: 'clips' });
      sim.failNext({ status: 503, count: 1, path: 'clips' });

      const fetched = await buildClient(sim).getClips(CREDENTIALS, sinceAnHourAgo());

      expect(fetched).toHaveLength(3);
      expect(sim.requests('clips').map((record) => record.status)).toEqual([500, 503, 200]);
      expect(logs.lines.filter((line) => line.includes('twitch_retry'))).toHaveLength(2);
    });

    it('throws TwitchUnavailableError after its bounded retries when Twitch stays down', async () => {
      sim.failNext({ status: 503, count: 50, path: 'clips' });

      const error = await buildClient(sim)
        .getClips(CREDENTIALS, sinceAnHourAgo())
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TwitchUnavailableError);
      expect((error as TwitchError).retryable).toBe(true);
      // One attempt plus CLIPADOR_TWITCH_MAX_RETRIES=3 retries.
      expect(sim.requests('clips')).toHaveLength(4);
    });

    it('aborts a hung request at the timeout and retries it', async () => {
      addClips(sim, BROADCASTER, 2);
      sim.hangNext({ count: 1, path: 'clips' });
      const started = Date.now();

      const fetched = await buildClient(sim).getClips(CREDENTIALS, sinceAnHourAgo());

      expect(fetched).toHaveLength(2);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(300);
      expect(elapsed).toBeLessThan(2000);
      expect(sim.requests('clips').map((record) => record.status)).toEqual([0, 200]);
      expect(logs.lines.some((line) => line.includes('timeout after 300 ms'))).toBe(true);
    });

    it('renews a revoked token exactly once and completes', async () => {
      addClips(sim, BROADCASTER, 2);
      const client = buildClient(sim);
      await client.getClips(CREDENTIALS, sinceAnHourAgo());
      sim.revokeTokens(CLIENT_ID);

      const fetched = await Promise.all(
        Array.from({ length: 5 }, () => client.getClips(CREDENTIALS, sinceAnHourAgo())),
      );

      expect(fetched.every((clips) => clips.length === 2)).toBe(true);
      expect(sim.stats().byClient[CLIENT_ID].tokensIssued).toBe(2);
      expect(logs.lines.some((line) => line.includes('twitch_token_renewed'))).toBe(true);
    });

    it('reports rejected credentials as TwitchCredentialsError after one token request', async () => {
      const client = buildClient(sim);
      const wrong = { clientId: CLIENT_ID, clientSecret: `${CLIENT_SECRET}-wrong` };
      const unknown = { clientId: 'deleted-app', clientSecret: CLIENT_SECRET };

      const errors = await Promise.all([
        ...Array.from({ length: 5 }, () =>
          client.getClips(wrong, sinceAnHourAgo()).catch((e: unknown) => e),
        ),
        client.getClips(unknown, sinceAnHourAgo()).catch((e: unknown) => e),
      ]);
      // A retried job shortly after must not hit the token endpoint again either.
      errors.push(await client.getClips(wrong, sinceAnHourAgo()).catch((e: unknown) => e));

      for (const error of errors) {
        expect(error).toBeInstanceOf(TwitchCredentialsError);
        expect((error as TwitchCredentialsError).retryable).toBe(false);
      }
      expect((errors[0] as TwitchCredentialsError).status).toBe(403);
      expect((errors[5] as TwitchCredentialsError).status).toBe(400);
      expect(sim.stats().byClient[CLIENT_ID].tokenRequests).toBe(1);
      expect(sim.stats().totals.helixRequests).toBe(0);
    });

    it('treats a second 401 right after a fresh token as rejected credentials', async () => {
      sim.failNext({ status: 401, count: 5, path: 'clips' });

      const error = await buildClient(sim)
        .getClips(CREDENTIALS, sinceAnHourAgo())
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TwitchCredentialsError);
      expect(sim.requests('clips')).toHaveLength(2);
      expect(sim.stats().byClient[CLIENT_ID].tokensIssued).toBe(2);
    });

    it('does not retry a request Twitch refuses as malformed', async () => {
      const error = await buildClient(sim)
        .getClips(CREDENTIALS, { broadcasterId: '', startedAt: new Date() })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TwitchRequestError);
      expect((error as TwitchRequestError).status).toBe(400);
      expect(sim.requests('clips')).toHaveLength(1);
    });

    it('never puts the client secret or a token in an error message or a log line', async () => {
      const client = buildClient(sim, { env: { CLIPADOR_TWITCH_MAX_RETRIES: '1' } });
      const errors: unknown[] = [];
      await client.getClips(CREDENTIALS, sinceAnHourAgo());
      sim.revokeTokens();
      sim.failNext({ status: 401, count: 2, path: 'clips' });
      errors.push(await client.getClips(CREDENTIALS, sinceAnHourAgo()).catch((e: unknown) => e));
      sim.failNext({ status: 503, count: 10, path: 'token' });
      errors.push(
        await client
          .getClips({ clientId: CLIENT_ID, clientSecret: `${CLIENT_SECRET}-b` }, sinceAnHourAgo())
          .catch((e: unknown) => e),
      );
      sim.clearFaults();
      errors.push(
        await client
          .getClips({ clientId: CLIENT_ID, clientSecret: `${CLIENT_SECRET}-c` }, sinceAnHourAgo())
          .catch((e: unknown) => e),
      );

      expect(errors.map((error) => (error as Error).constructor.name)).toEqual([
        'TwitchCredentialsError',
        'TwitchUnavailableError',
        'TwitchCredentialsError',
      ]);
      const secrets = [CLIENT_SECRET, ...sim.issuedTokens()];
      expect(secrets.length).toBeGreaterThanOrEqual(3);
      const texts = [
        ...errors.map(
          (error) => `${String(error)} ${(error as Error).stack} ${JSON.stringify(error)}`,
        ),
        ...logs.lines,
      ];
      for (const secret of secrets) {
        for (const text of texts) expect(text).not.toContain(secret);
      }
      expect(logs.lines.length).toBeGreaterThan(0);
    });
  });

  describe('rate budget', () => {
    const LIMIT = { points: 20, windowMs: 2000 };

    beforeEach(clearBudgetKeys);

    /** Points Twitch would have allowed between `started` and now: a full bucket plus refill. */
    function allowedSince(started: number): number {
      return LIMIT.points + ((Date.now() - started) * LIMIT.points) / LIMIT.windowMs;
    }

    it('keeps many concurrent calls of one process inside the bucket and uses most of it', async () => {
      sim.setRateLimit(LIMIT);
      const client = buildClient(sim);
      const started = Date.now();

      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          client.getClips(CREDENTIALS, { ...sinceAnHourAgo(), broadcasterId: `b${index}` }),
        ),
      );

      expect(results).toHaveLength(50);
      const stats = sim.stats().byClient[CLIENT_ID];
      expect(stats.rateLimited).toBe(0);
      expect(stats.pointsUsed).toBe(50);
      // Using most of the budget: 50 points would fit in 3 s at best (20 now + 10 per second).
      // Once the 20 are spent the budget probes on the refill line of the newest answer, so it
      // keeps pace with the refill less the margin and a round trip per probe (0.96 measured).
      expect(stats.pointsUsed / allowedSince(started)).toBeGreaterThan(0.85);
    });

    it('keeps two processes sharing one Redis budget inside one bucket', async () => {
      sim.setRateLimit(LIMIT);
      const [redisA, redisB] = await Promise.all([connectRedis(), connectRedis()]);
      try {
        const processA = buildClient(sim, { redis: redisA });
        const processB = buildClient(sim, { redis: redisB });
        const started = Date.now();

        await Promise.all(
          Array.from({ length: 50 }, (_, index) =>
            (index % 2 === 0 ? processA : processB).getClips(CREDENTIALS, {
              ...sinceAnHourAgo(),
              broadcasterId: `b${index}`,
            }),
          ),
        );

        const stats = sim.stats().byClient[CLIENT_ID];
        expect(stats.rateLimited).toBe(0);
        expect(stats.pointsUsed).toBe(50);
        expect(stats.pointsUsed).toBeLessThanOrEqual(allowedSince(started));
        expect(stats.tokensIssued).toBe(2);
        expect(await redisA.exists(`${REDIS_PREFIX}:twitch:budget:{${CLIENT_ID}}`)).toBe(1);
      } finally {
        await Promise.all([redisA.quit(), redisB.quit()]);
      }
    });

    it('would overspend without the shared budget (control for the case above)', async () => {
      sim.setRateLimit(LIMIT);
      // Two processes each with a budget of their own: each believes it has the whole bucket.
      const processA = buildClient(sim);
      const processB = buildClient(sim);

      await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          (index % 2 === 0 ? processA : processB).getClips(CREDENTIALS, {
            ...sinceAnHourAgo(),
            broadcasterId: `b${index}`,
          }),
        ),
      );

      expect(sim.stats().byClient[CLIENT_ID].rateLimitedByBucket).toBeGreaterThan(0);
    });

    it('boots through Nest with the budget in Redis when Redis is configured', async () => {
      sim.addUser({ id: BROADCASTER, login: 'gaules', display_name: 'Gaules' });
      const config = testConfig(sim, { CLIPADOR_REDIS_URL: TEST_REDIS_URL });
      const moduleRef = await Test.createTestingModule({
        imports: [
          ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
          RedisModule,
          TwitchModule,
        ],
      }).compile();
      await moduleRef.init();
      try {
        const redis = moduleRef.get<Redis>(REDIS);
        if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));

        const users = await moduleRef
          .get(TwitchClient)
          .getUsers(CREDENTIALS, { ids: [BROADCASTER] });

        expect(users.map((user) => user.login)).toEqual(['gaules']);
        expect(await redis.hget(`${REDIS_PREFIX}:twitch:budget:{${CLIENT_ID}}`, 'limit')).toBe(
          '1000000000',
        );
      } finally {
        await moduleRef.close();
      }
    });
  });

  afterAll(clearBudgetKeys);
});
