import type { Queue } from 'bull';
import type Redis from 'ioredis';

/**
 * Bull's connection for waiting on new jobs (not in its type declarations). Bull stops its
 * blocking BRPOPLPUSH with a QUIT, which Redis reads only when that command returns; a job
 * arriving meanwhile would still be taken, so a stopping worker cuts this connection at once.
 */
export function blockingConnection(queue: Queue): Pick<Redis, 'disconnect'> | undefined {
  const { bclientInitialized, bclient } = queue as Queue & {
    bclientInitialized?: boolean;
    bclient?: Redis;
  };
  // Reading `bclient` creates the connection when there is none yet.
  return bclientInitialized ? bclient : undefined;
}

/** Drops every connection of the queue (Redis unreachable: stop the reconnection attempts). */
export function disconnectQueue(queue: Queue): void {
  for (const client of queue.clients) client.disconnect();
}
