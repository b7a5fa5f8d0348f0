import type { Queue } from 'bull';
import type Redis from 'ioredis';
import { withTimeout } from '../common/timeout';

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

/**
 * Closes a queue for a stopping worker, quickly: Nest runs the modules' shutdown hooks one module
 * after another, so a slow close here would keep another queue taking jobs after the stop began.
 * The blocking connection is cut at once; with Redis unreachable the connections are dropped (a
 * held job is found stalled and runs again); otherwise Bull's close, bounded by `timeoutMs`.
 */
export function closeQueueQuickly(queue: Queue, timeoutMs: number): Promise<void> {
  blockingConnection(queue)?.disconnect();
  const closed =
    queue.client.status === 'ready'
      ? withTimeout(queue.close(), timeoutMs, 'A Bull queue').catch(() => disconnectQueue(queue))
      : Promise.resolve(disconnectQueue(queue));
  // @nestjs/bull closes every queue again at application shutdown, without a bound: a second
  // close of a queue whose connections were dropped waits for ever. This close is that one.
  (queue as Queue & { onApplicationShutdown?: () => Promise<void> }).onApplicationShutdown = () =>
    closed;
  return closed;
}
