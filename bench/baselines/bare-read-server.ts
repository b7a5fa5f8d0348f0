/**
 * The read-path baseline of TARGETS.md (see bare-server.ts): `GET /clips/bursts/recent?since_minutes=N`
 * from the statement the service uses (RECENT_BURSTS_SQL), mapped by the service's own mapper
 * (toBurstDto) to the same JSON. No auth.
 *
 *   node -r ts-node/register/transpile-only bench/baselines/bare-read-server.ts <port> <database url>
 */
import { toBurstDto } from '../../src/clips/burst.mapper';
import { RECENT_BURSTS_SQL, RecentBurstRow } from '../../src/clips/clips.repository';
import { serveOneQuery } from './bare-server';

serveOneQuery<RecentBurstRow>({
  path: '/clips/bursts/recent',
  sql: RECENT_BURSTS_SQL,
  params: (query) => [new Date(Date.now() - Number(query.get('since_minutes') ?? 60) * 60_000)],
  body: (rows) => JSON.stringify({ data: rows.map(toBurstDto) }),
});
