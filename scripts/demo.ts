/**
 * `npm run demo`: a fake Twitch and the real Clipador, wired together, so that a newcomer sees
 * clip bursts appear within a minute of a fresh clone (after `npm ci`).
 *
 * 1. builds `dist/` when it is missing or older than `src/`;
 * 2. starts the Twitch simulator (test/twitch-simulator) in this process, on a free loopback port:
 *    a few fake streamers, background clips, a burst every 30 s, and a little backdated history so
 *    the very first sync already finds bursts;
 * 3. creates the admin `demo` / `demo-password` with the real CLI, then starts the service
 *    (`node dist/main.js`, all roles, embedded PGlite in data/demo, no Redis) as a child process;
 * 4. adds the streamers with `POST /streams`, asks for a sync, prints how to look, and then polls
 *    `/clips/bursts/recent` and prints a line per new or grown burst;
 * 5. on Ctrl-C: SIGTERM to the service, waits for it to exit, closes the simulator, exits 0.
 *
 * Environment: DEMO_PORT (default 8000). Everything else is fixed on purpose: a demo has no knobs.
 *
 * package.json runs this with `exec ts-node …`: without `exec`, npm's `sh -c` sits in between,
 * dies of the terminal's SIGINT whatever this script does, and `npm run demo` ends with 130.
 */
import { ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { verifySignature, WebhookReceiver } from '../test/notification-simulators/webhook-receiver';
import { ClipScenario, seededRandom, startScenario } from '../test/twitch-simulator/scenario';
import { TwitchSimulator } from '../test/twitch-simulator/twitch-simulator';

const ROOT = resolve(__dirname, '..');
const DEMO_DIR = join(ROOT, 'data', 'demo');
const PGLITE_DIR = join(DEMO_DIR, 'pglite');
/** The service's lock beside its data directory (src/database/embedded-postgres.ts). */
const PGLITE_LOCK = `${PGLITE_DIR}.lock`;
const SERVICE_LOG = join(DEMO_DIR, 'service.log');

// 127.0.0.1 rather than the service's 0.0.0.0 default: the demo runs on a development secret.
const HOST = '127.0.0.1';
const PORT = parsePort(process.env.DEMO_PORT ?? '8000');
const BASE_URL = `http://${HOST}:${PORT}`;
const SHOWN_URL = `localhost:${PORT}`;

const ADMIN = { username: 'demo', password: 'demo-password' };
const TWITCH_APP = { clientId: 'demo-client', clientSecret: 'demo-secret' };

const INGESTION_INTERVAL_SECONDS = 10;
const POLL_MS = 5_000;
/** Burst rule per streamer: 3 clips within 30 s. Narrow enough that background clips rarely make one. */
const WINDOW_SECONDS = 30;
const MIN_CLIPS = 3;
/** The first live burst comes after half of this, then one every this often. */
const BURST_EVERY_MS = 30_000;
/**
 * Some clips show up late, as on Twitch; a short delay lets the newcomer see a burst grow in place.
 * Bursts have at least 4 clips so one late clip does not hide a whole burst until it shows up.
 */
const LATE_BY_MS = 20_000;
const BURST_SIZE: [number, number] = [4, 7];
/** Backdated bursts (minutes ago, clip count) so the first sync has something to find. */
const HISTORY_BURSTS: ReadonlyArray<[number, number]> = [
  [14, 4],
  [7, 6],
  [3, 5],
];
/**
 * Live schedules (Get Streams): each streamer is live LIVE_MS of every LIVE_PERIOD_MS, the phases
 * spread so that someone goes live or offline every half minute or so. Offline shows in Clipador
 * about two cycles after the stream ends (two complete answers must omit it, PRODUCT §16).
 */
const LIVE_PERIOD_MS = 150_000;
const LIVE_MS = 90_000;
const SERVICE_START_TIMEOUT_MS = 60_000;
const SERVICE_STOP_TIMEOUT_MS = 20_000;

// ---- output -------------------------------------------------------------------------------

function say(message: string): void {
  // Since this process started, so the time ts-node takes to load counts too.
  const seconds = process.uptime().toFixed(1);
  process.stdout.write(`[+${seconds.padStart(5)}s] ${message}\n`);
}

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour12: false });
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    process.stderr.write(`DEMO_PORT must be a port number from 1 to 65535 (got "${value}")\n`);
    process.exit(1);
  }
  return port;
}

// ---- state, and the one way out -----------------------------------------------------------

interface Service {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let stopping = false;
let simulator: TwitchSimulator | undefined;
let scenario: ClipScenario | undefined;
let service: Service | undefined;
/** A build or CLI run in progress, stopped too if the demo is interrupted meanwhile. */
let helper: ChildProcess | undefined;
let pollTimer: NodeJS.Timeout | undefined;
let liveTimer: NodeJS.Timeout | undefined;

/** Stops everything this demo started, in reverse order, and exits with `code`. */
async function shutdown(code: number, reason?: string): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  stopping = true;
  if (reason) say(reason);
  if (pollTimer) clearTimeout(pollTimer);
  if (liveTimer) clearTimeout(liveTimer);
  scenario?.stop();
  helper?.kill('SIGTERM');

  if (service && service.child.exitCode === null && service.child.signalCode === null) {
    say('stopping the service (SIGTERM) …');
    service.child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), SERVICE_STOP_TIMEOUT_MS).unref(),
    );
    const result = await Promise.race([service.exited, timeout]);
    if (result === 'timeout') {
      say(`the service did not stop within ${SERVICE_STOP_TIMEOUT_MS / 1000} s: killing it`);
      service.child.kill('SIGKILL');
      await service.exited;
      code = 1;
    } else {
      // A clean stop is exit code 0 (or the SIGTERM re-raised by Nest's stock shutdown hooks); the
      // released database lock shows that PGlite was closed, not cut off.
      const clean = result.code === 0 || result.signal === 'SIGTERM';
      const lock = existsSync(PGLITE_LOCK) ? 'database lock left behind' : 'database closed';
      say(`service stopped (${result.signal ?? `exit code ${result.code}`}, ${lock})`);
      if (!clean) code = 1;
    }
  }
  if (simulator) {
    await simulator.close();
    say('fake Twitch stopped');
  }
  process.exit(code);
}

/** A startup step failed: say so plainly and stop. During a shutdown the failure is expected. */
function fail(message: string): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  process.stderr.write(`\n✗ ${message}\n\n`);
  return shutdown(1);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  // npm forwards the terminal's Ctrl-C to us as well, so a second signal is ignored, not a "force".
  process.on(signal, () => void shutdown(0, `${signal}: stopping the demo`));
}
// Last resort if this process dies of a bug: the detached service would otherwise outlive it.
process.on('exit', () => {
  if (service && service.child.exitCode === null && service.child.signalCode === null) {
    service.child.kill('SIGTERM');
  }
});

// ---- steps ------------------------------------------------------------------------------------

async function ensurePortFree(): Promise<void> {
  const problem = await new Promise<string | undefined>((done) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    probe.listen(PORT, HOST, () => probe.close(() => done(undefined)));
  });
  if (problem === 'EADDRINUSE') {
    await fail(
      `Port ${PORT} is already in use (another Clipador, or something else).\n` +
        `  Stop it, or pick another port: DEMO_PORT=8001 npm run demo`,
    );
  } else if (problem) {
    await fail(`Cannot listen on ${HOST}:${PORT}: ${problem}`);
  }
}

/** The data directory is reset at each start; refuse if a previous demo's service still uses it. */
async function resetDemoDir(): Promise<void> {
  if (existsSync(PGLITE_LOCK)) {
    const pid = Number(readFileSync(PGLITE_LOCK, 'utf8').trim());
    if (pid && isAlive(pid)) {
      await fail(
        `Another demo's service (pid ${pid}) is still using ${relative(ROOT, PGLITE_DIR)}.\n` +
          `  Stop that demo (Ctrl-C in its terminal), or: kill ${pid}`,
      );
    }
  }
  rmSync(DEMO_DIR, { recursive: true, force: true });
  mkdirSync(DEMO_DIR, { recursive: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Newest modification under `path`, unit specs left out: the build does not compile them. */
function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith('.spec.ts') ? 0 : stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, name) => Math.max(newest, newestMtime(join(path, name))),
    0,
  );
}

/** Builds only when needed: a build takes ~15 s, most of the one-minute budget. */
async function buildIfStale(): Promise<void> {
  const outputs = ['dist/main.js', 'dist/cli.js'].map((file) => join(ROOT, file));
  const builtAt = outputs.every((file) => existsSync(file))
    ? Math.min(...outputs.map((file) => statSync(file).mtimeMs))
    : 0;
  const sourcesAt = Math.max(
    newestMtime(join(ROOT, 'src')),
    newestMtime(join(ROOT, 'tsconfig.json')),
    newestMtime(join(ROOT, 'tsconfig.build.json')),
  );
  if (builtAt > sourcesAt) {
    say('dist/ is up to date, no build needed');
    return;
  }
  say(`building (${builtAt ? 'dist/ is older than src/' : 'no dist/ yet'}): npm run build …`);
  const began = Date.now();
  const result = await run('npm', ['run', 'build'], process.env);
  if (result.code !== 0) await fail(`The build failed:\n${result.output}`);
  say(`built in ${((Date.now() - began) / 1000).toFixed(1)} s`);
}

/** Runs a short-lived command, its output kept for the error message. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // npm is npm.cmd on Windows, which only a shell can run.
      shell: process.platform === 'win32',
    });
    helper = child;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => done({ code: null, output: error.message }));
    child.once('close', (code) => {
      helper = undefined;
      done({ code, output: output.trim() });
    });
  });
}

/** Starts the fake Twitch: live clips and bursts from the shared scenario, plus some history. */
async function startFakeTwitch(): Promise<{ sim: TwitchSimulator; clips: ClipScenario }> {
  simulator = await TwitchSimulator.start({ host: HOST });
  simulator.addApp(TWITCH_APP.clientId, TWITCH_APP.clientSecret);
  const late = new Set<string>();
  scenario = startScenario(simulator, {
    streamers: 5,
    burstEveryMs: BURST_EVERY_MS,
    burstSize: BURST_SIZE,
    lateByMs: LATE_BY_MS,
    // Few enough background clips that they rarely make a burst of their own by chance.
    backgroundClipsPerMinute: 2,
    log: (event, fields) => {
      if (event === 'clip_indexed_late') late.add(String(fields.clip));
      if (event !== 'burst_added') return;
      const ids = fields.clips as string[];
      const lateCount = ids.filter((id) => late.has(id)).length;
      const note = lateCount
        ? ` (${lateCount} of the clips show up ${LATE_BY_MS / 1000} s late: Twitch indexes clips late)`
        : '';
      const name = scenario?.streamers.find((user) => user.login === fields.streamer);
      say(
        `  twitch: ${ids.length} viewers of ${name?.display_name ?? String(fields.streamer)} clipped the same moment${note}`,
      );
    },
  });
  addHistoryBursts(simulator, scenario);
  const startedAt = Date.now();
  scenario.streamers.forEach((streamer, index) => {
    simulator!.setLiveSchedule(streamer.id, {
      periodMs: LIVE_PERIOD_MS,
      liveMs: LIVE_MS,
      // The first streamer goes live ~20 s in, the others after, in turn.
      phaseMs: startedAt + 20_000 + (index * LIVE_PERIOD_MS) / scenario!.streamers.length,
      viewer_count: 150 + index * 700,
      title: `${streamer.display_name} ao vivo`,
    });
  });
  say(
    `fake Twitch (Helix simulator) on ${simulator.helixUrl}: ${scenario.streamers.length} streamers, ` +
      `a burst every ${BURST_EVERY_MS / 1000} s, ${HISTORY_BURSTS.length} bursts in the last 15 min, ` +
      `each live ${LIVE_MS / 1000} s of every ${LIVE_PERIOD_MS / 1000} s`,
  );
  return { sim: simulator, clips: scenario };
}

/** Bursts in the recent past, so the first sync already has some (the scenario only adds live ones). */
function addHistoryBursts(sim: TwitchSimulator, clips: ClipScenario): void {
  const random = seededRandom(7);
  HISTORY_BURSTS.forEach(([minutesAgo, count], index) => {
    const streamer = clips.streamers[(index * 2) % clips.streamers.length];
    const anchor = Date.now() - minutesAgo * 60_000;
    for (let clip = 0; clip < count; clip++) {
      sim.addClip({
        broadcaster_id: streamer.id,
        created_at: new Date(anchor + Math.floor(random() * 20_000)),
        view_count: 1 + Math.floor(random() * 200),
        title: `${streamer.display_name} moment`,
        video_id: `20${streamer.id}`,
      });
    }
  });
}

function serviceEnv(sim: TwitchSimulator): NodeJS.ProcessEnv {
  return {
    // The demo's webhook receiver listens on loopback (development only; production refuses it).
    CLIPADOR_NOTIFY_ALLOW_PRIVATE_HOSTS: 'true',
    ...process.env,
    CLIPADOR_APP_ENV: 'development',
    CLIPADOR_HOST: HOST,
    CLIPADOR_PORT: String(PORT),
    CLIPADOR_ROLES: 'api,worker,scheduler',
    CLIPADOR_EMBEDDED_DATA_DIR: PGLITE_DIR,
    // Set but empty: the embedded defaults, even if a developer's .env or shell names a server
    // (the service reads .env only for variables that are not set at all).
    CLIPADOR_DATABASE_URL: '',
    CLIPADOR_REDIS_URL: '',
    CLIPADOR_TWITCH_API_URL: sim.helixUrl,
    CLIPADOR_TWITCH_AUTH_URL: sim.authUrl,
    CLIPADOR_TWITCH_CLIENT_ID: TWITCH_APP.clientId,
    CLIPADOR_TWITCH_CLIENT_SECRET: TWITCH_APP.clientSecret,
    CLIPADOR_INGESTION_INTERVAL_SECONDS: String(INGESTION_INTERVAL_SECONDS),
  };
}

async function createAdmin(env: NodeJS.ProcessEnv): Promise<void> {
  // Before the service starts: PGlite allows one process per data directory.
  const args = ['dist/cli.js', 'create-admin', ADMIN.username, ADMIN.password];
  const result = await run(process.execPath, args, env);
  if (result.code !== 0) await fail(`create-admin failed:\n${result.output}`);
  say(`admin via the real CLI: node ${args.join(' ')} → ${result.output.split('\n').pop()}`);
}

async function startService(env: NodeJS.ProcessEnv): Promise<void> {
  const log = openSync(SERVICE_LOG, 'a');
  // Detached (its own process group): Ctrl-C reaches only this script, which then stops the
  // service with one SIGTERM and waits. Were the service in the terminal's group, it would get
  // the terminal's SIGINT and then our SIGTERM, and a second signal cuts its shutdown short.
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  service = { child, exited };
  const logPath = relative(ROOT, SERVICE_LOG);
  say(`starting the service: node dist/main.js (pid ${child.pid}, logs in ${logPath}) …`);

  let ready = false;
  void exited.then(({ code, signal }) =>
    fail(
      `The service ${ready ? 'stopped unexpectedly' : 'failed to start'} ` +
        `(${signal ?? `exit code ${code}`}). Last lines of ${logPath}:\n${tail(SERVICE_LOG, 25)}`,
    ),
  );

  const deadline = Date.now() + SERVICE_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await isHealthy()) {
      ready = true;
      say(
        `service up on http://${SHOWN_URL} (all roles in one process, embedded PGlite, no Redis)`,
      );
      return;
    }
    await sleep(250);
  }
  await fail(`The service did not answer /health within ${SERVICE_START_TIMEOUT_MS / 1000} s.`);
}

async function isHealthy(): Promise<boolean> {
  try {
    return (await fetch(`${BASE_URL}/health`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

// ---- the API, as a client would use it ----------------------------------------------------------

let accessToken = '';

async function api<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  // The access token lasts an hour; a longer demo logs in again.
  if (response.status === 401 && accessToken && !retried) {
    await login();
    return api<T>(method, path, body, true);
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function login(): Promise<void> {
  accessToken = '';
  const tokens = await api<{ access_token: string }>('POST', '/auth/login', ADMIN);
  accessToken = tokens.access_token;
}

async function addStreamers(sim: ClipScenario): Promise<void> {
  for (const streamer of sim.streamers) {
    await api('POST', '/streams', {
      twitch_user_id: streamer.id,
      display_name: streamer.display_name,
      avatar_url: streamer.profile_image_url,
      monitor_interval_seconds: WINDOW_SECONDS,
      monitor_min_clips: MIN_CLIPS,
    });
  }
  say(
    `added ${sim.streamers.length} streamers with POST /streams ` +
      `(${sim.streamers.map((s) => s.display_name).join(', ')}); ` +
      `a burst = ${MIN_CLIPS}+ clips within ${WINDOW_SECONDS} s`,
  );
  await receiveNotifications();
  await attachToChannel(sim);
  const { job_id } = await api<{ job_id: string }>('POST', '/ingestion/sync');
  say(
    `POST /ingestion/sync → job ${job_id}; after that the scheduler syncs every ${INGESTION_INTERVAL_SECONDS} s`,
  );
}

/**
 * The admin's own channel (the dashboard's Streams page): enough slots for every demo streamer,
 * each attached, so its bursts are delivered and show in /config/me/history.
 */
async function attachToChannel(sim: ClipScenario): Promise<void> {
  await api('PUT', '/config/me', { slots_configured: Math.max(1, sim.streamers.length) });
  for (const streamer of sim.streamers) {
    await api('POST', '/config/me/streamers', {
      twitch_user_id: streamer.id,
      display_name: streamer.display_name,
      avatar_url: streamer.profile_image_url,
      monitor_interval_seconds: WINDOW_SECONDS,
      monitor_min_clips: MIN_CLIPS,
    });
  }
  say(
    `attached the ${sim.streamers.length} streamers to ${ADMIN.username}'s channel ` +
      '(PUT /config/me, POST /config/me/streamers): the Streams page and /config/me/history show them',
  );
}

/**
 * A loopback webhook receiver set as the admin's notify_webhook_url (PRODUCT §17): each burst
 * (and its growths, and "now live") arrives there as a signed JSON event, printed as it comes.
 */
async function receiveNotifications(): Promise<void> {
  const receiver = await WebhookReceiver.start();
  const answer = await api<{ notify_webhook_secret?: string }>('PUT', '/config/me', {
    notify_webhook_url: receiver.url('/clipador'),
  });
  const secret = answer.notify_webhook_secret ?? '';
  say(
    `webhook notifications go to ${receiver.url('/clipador')} (a loopback receiver in this ` +
      'process): each event below is printed as it arrives, its X-Clipador-Signature checked',
  );
  let shown = 0;
  const watch = () => {
    for (const request of receiver.received.slice(shown)) {
      const event = JSON.parse(request.body) as {
        type: string;
        data?: { streamer?: { display_name: string }; burst?: { clip_count: number } };
      };
      const signed = verifySignature(
        request.headers['x-clipador-signature'] as string | undefined,
        request.body,
        secret,
      );
      const count = event.data?.burst ? `, ${event.data.burst.clip_count} clips` : '';
      say(
        `webhook got ${event.type}: ${event.data?.streamer?.display_name ?? ''}${count} ` +
          `(Idempotency-Key ${String(request.headers['idempotency-key'])}, signature ${signed ? 'ok' : 'BAD'})`,
      );
    }
    shown = receiver.received.length;
  };
  setInterval(watch, 1_000).unref();
}

function printHowToLook(): void {
  const loginBody = JSON.stringify(ADMIN);
  const loginCommand = `curl -s -X POST ${SHOWN_URL}/auth/login -H 'content-type: application/json' -d '${loginBody}'`;
  const lines = [
    '',
    '────────────────────────────────────────────────────────────────────────────────',
    ` Clipador is running on http://${SHOWN_URL}, fed by a fake Twitch. Another terminal:`,
    '',
    ` Log in (admin "${ADMIN.username}", password "${ADMIN.password}"):`,
    `   ${loginCommand}`,
    ' Keep the access token and ask for the bursts of the last hour:',
    `   TOKEN=$(${loginCommand} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    `   curl -s '${SHOWN_URL}/clips/bursts/recent?since_minutes=60' -H "authorization: Bearer $TOKEN"`,
    `   curl -s ${SHOWN_URL}/streams -H "authorization: Bearer $TOKEN"`,
    `   curl -s ${SHOWN_URL}/config/me -H "authorization: Bearer $TOKEN"`,
    `   curl -s '${SHOWN_URL}/config/me/history?limit=25' -H "authorization: Bearer $TOKEN"`,
    ' Coverage of the sync cycles (live and offline streamers, what the budget planned):',
    `   curl -s ${SHOWN_URL}/health/worker`,
    `   curl -s ${SHOWN_URL}/ingestion/status -H "authorization: Bearer $TOKEN"`,
    ` API docs (Swagger UI): http://${SHOWN_URL}/docs     Service logs: ${relative(ROOT, SERVICE_LOG)}`,
    '',
    ' Below: a line for each burst Clipador finds (polling /clips/bursts/recent every 5 s), and',
    ' one when a streamer goes live or offline (polling /streams).',
    ' Ctrl-C stops everything.',
    '────────────────────────────────────────────────────────────────────────────────',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

interface BurstJson {
  id: number;
  inicio: string;
  fim: string;
  clip_count: number;
  streamer: { display_name: string };
}

/** Prints each burst once when it appears, and again when it grows (e.g. a late clip joins it). */
function watchBursts(): void {
  const seen = new Map<number, number>();
  const poll = async () => {
    try {
      const { data } = await api<{ data: BurstJson[] }>(
        'GET',
        '/clips/bursts/recent?since_minutes=60',
      );
      // The answer is newest first; print in time order.
      for (const burst of [...data].reverse()) {
        const before = seen.get(burst.id);
        if (before === burst.clip_count) continue;
        seen.set(burst.id, burst.clip_count);
        const what = before === undefined ? '' : ` grew (${before} → ${burst.clip_count})`;
        say(
          `burst #${burst.id} ${burst.streamer.display_name}${what}: ${burst.clip_count} clips ` +
            `${clock(burst.inicio)}–${clock(burst.fim)}`,
        );
      }
    } catch (error) {
      if (!stopping) say(`(could not read bursts: ${(error as Error).message})`);
    }
    if (!stopping) pollTimer = setTimeout(() => void poll(), POLL_MS);
  };
  // The first look comes soon after the sync asked for above; then every POLL_MS.
  pollTimer = setTimeout(() => void poll(), 2_000);
}

interface StreamerJson {
  display_name: string;
  is_live: boolean;
  live_viewer_count: number | null;
  live_title: string | null;
}

/** Prints a line when Clipador sees a streamer go live or offline (GET /streams' live fields). */
function watchLiveStatus(): void {
  const live = new Map<string, boolean>();
  const poll = async () => {
    try {
      for (const streamer of await api<StreamerJson[]>('GET', '/streams')) {
        const before = live.get(streamer.display_name);
        live.set(streamer.display_name, streamer.is_live);
        if (before === streamer.is_live || (before === undefined && !streamer.is_live)) continue;
        say(
          streamer.is_live
            ? `live: ${streamer.display_name} is live (${streamer.live_viewer_count ?? 0} viewers, ` +
                `"${streamer.live_title ?? ''}"): synced every cycle now`
            : `offline: ${streamer.display_name} went offline (still synced every cycle for 10 min, ` +
                `then with what the budget leaves)`,
        );
      }
    } catch (error) {
      if (!stopping) say(`(could not read streamers: ${(error as Error).message})`);
    }
    if (!stopping) liveTimer = setTimeout(() => void poll(), POLL_MS);
  };
  liveTimer = setTimeout(() => void poll(), 2_000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function main(): Promise<void> {
  process.chdir(ROOT);
  say(`Clipador demo: a fake Twitch and the real service on http://${SHOWN_URL}. Ctrl-C stops it.`);
  await ensurePortFree();
  await buildIfStale();
  await resetDemoDir();
  const { sim, clips } = await startFakeTwitch();
  const env = serviceEnv(sim);
  await createAdmin(env);
  await startService(env);
  await login();
  await addStreamers(clips);
  printHowToLook();
  watchBursts();
  watchLiveStatus();
}

main().catch((error: unknown) =>
  fail(`The demo failed: ${error instanceof Error ? error.message : String(error)}`),
);
