/**
 * The public-clips baseline of TARGETS.md: a bare `node:http` + `pg` server that answers
 * `GET /public/clips?limit=N` from one SQL statement per request — the statement the service
 * runs (PUBLIC_CLIPS_SQL), a pool of 10 — with the same JSON. No framework, no rate limit, no
 * logging, no cache: the ceiling of "one query per request".
 *
 *   node -r ts-node/register/transpile-only bench/baselines/bare-public-clips-server.ts <port> <database url>
 *
 * Prints `listening <port>` when ready.
 */
import { createServer } from 'node:http';
import { Pool } from 'pg';
import { PublicClipDto } from '../../src/public/dto/public-clip.dto';
import { PUBLIC_CLIPS_SQL } from '../../src/public/public-clips.repository';

const POOL_SIZE = 10;

function main(): void {
  const port = Number(process.argv[2]);
  const pool = new Pool({ connectionString: process.argv[3], max: POOL_SIZE });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/public/clips') {
      response.writeHead(404).end();
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? 12);
    pool.query<PublicClipDto>(PUBLIC_CLIPS_SQL, [limit]).then(
      ({ rows }) => {
        const body = JSON.stringify({ data: rows });
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
