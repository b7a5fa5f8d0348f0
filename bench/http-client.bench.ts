/**
 * HTTP client benchmark: why the Twitch client sends with node:http (src/twitch/http-transport.ts)
 * and not fetch. A sync cycle sends one Helix request per streamer from a CPU-bound worker, so
 * the client's CPU per request is what counts.
 *
 * Both clients send the same Get Clips-shaped GET (headers, a 10 s timeout covering the body) to
 * a loopback server in a process of its own, 16 at a time over keep-alive connections; this
 * process's CPU (user + system) per request is measured over 10,000 requests, alternating the two
 * clients, after a warm-up, three runs each; the medians are reported.
 *
 * Run: npm run bench:http
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { HttpTransport } from '../src/twitch/http-transport';
import { median, round } from './support/stats';

const REQUESTS = 10_000;
const CONCURRENCY = 16;
const RUNS = 3;
const TIMEOUT_MS = 10_000;

/** An empty Helix page with the rate-limit headers Twitch sends. */
const SERVER = `
const body = JSON.stringify({ data: [], pagination: {} });
const server = require('node:http').createServer((req, res) => {
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Ratelimit-Limit': '800', 'Ratelimit-Remaining': '799', 'Ratelimit-Reset': '1700000000',
  });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

type Send = () => Promise<number>;

async function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { child, port: Number(chunk.toString().trim()) };
}

/** CPU microseconds of this process per request, over `REQUESTS` requests. */
async function cpuPerRequest(send: Send): Promise<number> {
  let left = REQUESTS;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        if ((await send()) !== 200) throw new Error('unexpected status');
      }
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / REQUESTS;
}

async function main(): Promise<void> {
  const { child, port } = await startServer();
  const url = `http://127.0.0.1:${port}/helix/clips?broadcaster_id=1&first=100`;
  const headers = {
    'Client-Id': 'bench',
    Authorization: 'Bearer bench',
    Accept: 'application/json',
  };
  const transport = new HttpTransport(TIMEOUT_MS);
  const clients: Record<'fetch' | 'transport', Send> = {
    fetch: async () => {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
      await response.text();
      return response.status;
    },
    transport: async () => (await transport.send(url, { method: 'GET', headers })).status,
  };
  try {
    for (const send of Object.values(clients)) for (let i = 0; i < 1_000; i++) await send();
    const samples = { fetch: [] as number[], transport: [] as number[] };
    for (let run = 1; run <= RUNS; run++) {
      for (const name of ['fetch', 'transport'] as const) {
        const micros = await cpuPerRequest(clients[name]);
        samples[name].push(micros);
        console.log(`run ${run} ${name.padEnd(9)}: ${Math.round(micros)} µs CPU per request`);
      }
    }
    const fetchMicros = median(samples.fetch);
    const transportMicros = median(samples.transport);
    console.log(
      `medians: fetch ${Math.round(fetchMicros)} µs, node:http transport ${Math.round(transportMicros)} µs per request`,
    );
    const ratio = round(transportMicros / fetchMicros);
    console.log(
      `RESULT http_transport_vs_fetch_cpu_ratio=${ratio} target=<=1 ${ratio <= 1 ? 'ok' : 'short'}`,
    );
  } finally {
    transport.close();
    child.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
