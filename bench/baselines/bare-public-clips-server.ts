/**
 * The public-clips baseline of TARGETS.md (see bare-server.ts): `GET /public/clips?limit=N` from
 * the statement the service runs (PUBLIC_CLIPS_SQL), with the same JSON. No rate limit.
 *
 *   node -r ts-node/register/transpile-only bench/baselines/bare-public-clips-server.ts <port> <database url>
 */
import { PublicClipDto } from '../../src/public/dto/public-clip.dto';
import { PUBLIC_CLIPS_SQL } from '../../src/public/public-clips.repository';
import { serveOneQuery } from './bare-server';

serveOneQuery<PublicClipDto>({
  path: '/public/clips',
  sql: PUBLIC_CLIPS_SQL,
  params: (query) => [Number(query.get('limit') ?? 12)],
  body: (rows) => JSON.stringify({ data: rows }),
});
