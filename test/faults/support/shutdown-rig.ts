import { Queue } from 'bull';
import { CLIPADOR_APP, minutesAgo, simulatorEnv } from '../../support/ingestion';
import { TwitchSimulator } from '../../twitch-simulator/twitch-simulator';
import { PrivatePostgres, PrivateRedis } from './servers';
import { ServiceProcess } from './service-process';

/** The stop must be over (process exited) this long after SIGTERM. */
export const SHUTDOWN_LIMIT_MS = 10_000;
/** Every simulator answer takes this long, so a sync is still running when SIGTERM arrives. */
const TWITCH_LATENCY_MS = 1_000;

export interface ShutdownCase {
  database: string;
  url: string;
  prefix: string;
  twitchUserId: string;
}

/**
 * What the graceful-shutdown specs share: private PostgreSQL and Redis, a slow Twitch, a database
 * and Redis prefix per case, and the checks every stop must pass.
 */
export class ShutdownRig {
  private caseNumber = 0;
  private readonly running: ServiceProcess[] = [];
  private readonly queues: Queue[] = [];

  private constructor(
    readonly postgres: PrivatePostgres,
    readonly redis: PrivateRedis,
    readonly sim: TwitchSimulator,
    private readonly firstStreamer: number,
  ) {}

  static async start(firstStreamer: number): Promise<ShutdownRig> {
    const [postgres, redis, sim] = await Promise.all([
      PrivatePostgres.start(),
      PrivateRedis.start(),
      TwitchSimulator.start({ latencyMs: TWITCH_LATENCY_MS, rateLimit: null }),
    ]);
    sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    return new ShutdownRig(postgres, redis, sim, firstStreamer);
  }

  /** A database of the case's own, a Redis prefix of its own, and a streamer with a burst to sync. */
  async newCase(): Promise<ShutdownCase> {
    this.caseNumber++;
    const database = `shutdown_${this.caseNumber}`;
    const url = await this.postgres.createDatabase(database);
    const twitchUserId = String(this.firstStreamer + this.caseNumber);
    for (const offset of [0, 0.25, 0.5]) {
      this.sim.addClip({ broadcaster_id: twitchUserId, created_at: minutesAgo(30 - offset) });
    }
    return { database, url, prefix: `shutdown-${this.caseNumber}`, twitchUserId };
  }

  async start(name: string, env: Record<string, string | undefined>): Promise<ServiceProcess> {
    const service = await ServiceProcess.start({
      name,
      env: { ...simulatorEnv(this.sim), CLIPADOR_TWITCH_TIMEOUT_MS: '5000', ...env },
    });
    this.running.push(service);
    return service;
  }

  /** Closed with the case. */
  track(queue: Queue): Queue {
    this.queues.push(queue);
    return queue;
  }

  /**
   * SIGTERM, then: status 0 within the limit, no error logged, and the connections closed before
   * the last line (the database always; Redis when the process has it).
   */
  async terminateGracefully(service: ServiceProcess): Promise<void> {
    const sentAt = Date.now();
    const exit = await service.terminate(SHUTDOWN_LIMIT_MS + 5_000);
    const errors = service.logs().filter((line) => line.level >= 50);
    expect({ exit: [exit.code, exit.signal], errors }).toEqual({ exit: [0, null], errors: [] });
    expect(exit.at - sentAt).toBeLessThan(SHUTDOWN_LIMIT_MS);
    const closing = service
      .logs()
      .map((line) => line.msg)
      .filter(
        (msg) => msg === 'database_closed' || msg === 'redis_closed' || msg === 'clipador_stopped',
      );
    const expected = service.env.CLIPADOR_REDIS_URL
      ? ['redis_closed', 'database_closed', 'clipador_stopped']
      : ['database_closed', 'clipador_stopped'];
    expect([...closing].sort()).toEqual([...expected].sort());
    expect(closing.at(-1)).toBe('clipador_stopped');
  }

  async clipCount(database: string, twitchUserId: string): Promise<number> {
    const [row] = await this.postgres.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM clips c JOIN streamers s ON s.id = c.streamer_id
       WHERE s.twitch_user_id = $1`,
      [twitchUserId],
      database,
    );
    return row.n;
  }

  /** After each case: whatever still runs is killed, queues closed, Twitch faults cleared. */
  async endCase(): Promise<void> {
    await Promise.all(this.running.splice(0).map((service) => service.kill()));
    await Promise.all(this.queues.splice(0).map((queue) => queue.close()));
    this.sim.clearFaults();
  }

  async close(): Promise<void> {
    await this.endCase();
    await this.sim.close();
    await Promise.all([this.postgres.destroy(), this.redis.destroy()]);
  }
}
