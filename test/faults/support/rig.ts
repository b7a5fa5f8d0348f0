import { CLIPADOR_APP } from '../../support/ingestion';
import { SimulatorOptions, TwitchSimulator } from '../../twitch-simulator/twitch-simulator';
import { PrivatePostgres, PrivateRedis } from './servers';

export interface FaultRigOptions {
  /** Default: no rate limit. */
  simulator?: SimulatorOptions;
  /** Registers Clipador's own app (CLIPADOR_APP) with the simulator. Default true. */
  clipadorApp?: boolean;
}

/**
 * What a fault spec starts first: a PostgreSQL of its own (a copy of the migrated template) and a
 * Redis of its own, both to stop and restart at will, and a Twitch simulator that knows
 * Clipador's app. `stop()` in afterAll.
 */
export class FaultRig {
  private constructor(
    readonly postgres: PrivatePostgres,
    readonly redis: PrivateRedis,
    readonly sim: TwitchSimulator,
  ) {}

  static async start(options: FaultRigOptions = {}): Promise<FaultRig> {
    const [postgres, redis, sim] = await Promise.all([
      PrivatePostgres.start(),
      PrivateRedis.start(),
      TwitchSimulator.start(options.simulator ?? { rateLimit: null }),
    ]);
    if (options.clipadorApp ?? true) sim.addApp(CLIPADOR_APP.clientId, CLIPADOR_APP.clientSecret);
    return new FaultRig(postgres, redis, sim);
  }

  async stop(): Promise<void> {
    await this.sim.close();
    await Promise.all([this.postgres.destroy(), this.redis.destroy()]);
  }
}
