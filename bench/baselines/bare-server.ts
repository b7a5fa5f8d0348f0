/**
 * What the bare baselines of TARGETS.md share: a `node:http` + `pg` server answering one route
 * from one SQL statement per request, on a pool of 10. No framework, no auth, no logging, no
 * cache: the ceiling of "one query per request". Started as
 * `node -r ts-node/register/transpile-only bench/baselines/<server>.ts <port> <database url>`;
 * prints `listening <port>` when ready and stops on SIGTERM/SIGINT.
 */
import { createServer } from 'node:http';
import { Pool, QueryResultRow } from 'pg';

const POOL_SIZE = 10;

export interface OneQueryRoute<Row extends QueryResultRow> {
  path: string;
  sql: string;
  /** The statement's parameters, from the query string. */
  params(query: URLSearchParams): unknown[];
  /** The JSON answer, as the service writes it. */
  body(rows: Row[]): string;
}

export function serveOneQuery<Row extends QueryResultRow>(route: OneQueryRoute<Row>): void {
  const port = Number(process.argv[2]);
  const pool = new Pool({ connectionString: process.argv[3], max: POOL_SIZE });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== route.path) {
      response.writeHead(404).end();
      return;
    }
    pool.query<Row>(route.sql, route.params(url.searchParams)).then(
      ({ rows }) => {
        const body = route.body(rows);
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
