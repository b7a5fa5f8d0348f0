/**
 * The read-path baseline of TARGETS.md: a bare `node:http` + `pg` server that answers
 * `GET /clips/bursts/recent?since_minutes=N` from one SQL statement per request — the same
 * statement the service uses (RECENT_BURSTS_SQL), a pool of 10 — mapped by the service's own
 * mapper (toBurstDto).
 * No framework, no auth, no logging, no cache: the ceiling of "one query per request".
 *
 *   node -r ts-node/register/transpile-only bench/baselines/bare-read-server.ts <port> <database url>
 *
 * Prints `listening <port>` when ready.
 */
import { createServer } from 'node:http';
import { Pool } from 'pg';
import { toBurstDto } from '../../src/clips/burst.mapper';
import { RECENT_BURSTS_SQL, RecentBurstRow } from '../../src/clips/clips.repository';

const POOL_SIZE = 10;

function toJson(rows: RecentBurstRow[]): string {
  return JSON.stringify({ data: rows.map(toBurstDto) });
}

function main(): void {
  const port = Number(process.argv[2]);
  const pool = new Pool({ connectionString: process.argv[3], max: POOL_SIZE });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/clips/bursts/recent') {
      response.writeHead(404).end();
      return;
    }
    const minutes = Number(url.searchParams.get('since_minutes') ?? 60);
    const since = new Date(Date.now() - minutes * 60_000);
    pool.query<RecentBurstRow>(RECENT_BURSTS_SQL, [since]).then(
      ({ rows }) => {
        const body = toJson(rows);
        response.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        response.end(body);
      },
      (error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message);
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
  const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
