/**
 * The Twitch simulator on its own, for the demo and manual runs:
 *
 *   npx ts-node --transpile-only test/twitch-simulator/main.ts --port 7700
 *
 * Options (all optional):
 *   --port 7700             --host 127.0.0.1
 *   --client-id demo-client --client-secret demo-secret
 *   --points 800 --window-ms 60000   (Twitch's rate limit; --no-rate-limit for none)
 *   --latency-ms 0          --streamers 5       --seed 42
 *   --tick-ms 1000          --burst-every-ms 45000   --clips-per-minute 6
 *   --stats-every-ms 30000
 * Prints one JSON line per event on stdout; stops on SIGINT/SIGTERM.
 */
import { startScenario } from './scenario';
import { TwitchSimulator } from './twitch-simulator';

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (!arg.startsWith('--')) throw new Error(`Unexpected argument: ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) {
      args.set(name, inline);
    } else if (index + 1 < argv.length && !argv[index + 1].startsWith('--')) {
      args.set(name, argv[++index]);
    } else {
      args.set(name, 'true');
    }
  }
  return args;
}

function intArg(args: Map<string, string>, name: string, fallback: number): number {
  const value = args.get(name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a whole number`);
  return parsed;
}

function log(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const clientId = args.get('client-id') ?? 'demo-client';
  const clientSecret = args.get('client-secret') ?? 'demo-secret';
  const simulator = await TwitchSimulator.start({
    port: intArg(args, 'port', 7700),
    host: args.get('host') ?? '127.0.0.1',
    rateLimit: args.has('no-rate-limit')
      ? null
      : { points: intArg(args, 'points', 800), windowMs: intArg(args, 'window-ms', 60_000) },
    latencyMs: intArg(args, 'latency-ms', 0),
  });
  simulator.addApp(clientId, clientSecret);
  log('simulator_listening', {
    CLIPADOR_TWITCH_API_URL: simulator.helixUrl,
    CLIPADOR_TWITCH_AUTH_URL: simulator.authUrl,
    CLIPADOR_TWITCH_CLIENT_ID: clientId,
    // A fake credential of a fake app, printed so the demo can be wired by copy and paste.
    CLIPADOR_TWITCH_CLIENT_SECRET: clientSecret,
  });

  const scenario = startScenario(simulator, {
    streamers: intArg(args, 'streamers', 5),
    seed: intArg(args, 'seed', 42),
    tickMs: intArg(args, 'tick-ms', 1000),
    burstEveryMs: intArg(args, 'burst-every-ms', 45_000),
    backgroundClipsPerMinute: intArg(args, 'clips-per-minute', 6),
    log,
  });

  const statsTimer = setInterval(
    () => log('simulator_stats', { ...simulator.stats().totals, clips: simulator.clipCount() }),
    intArg(args, 'stats-every-ms', 30_000),
  );

  const stop = (signal: string) => {
    log('simulator_stopping', { signal });
    clearInterval(statsTimer);
    scenario.stop();
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
