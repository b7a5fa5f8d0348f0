import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/configuration';
import { InProcessJobQueue } from './in-process-job-queue';
import { JOB_POLICIES, JOB_SYNC_STREAMER, SyncAllJob, SyncStreamerJob } from './ingestion.jobs';
import { IngestionJobHandler } from './job-queue';
import { SyncInterruption } from './sync-interruption';

function interruption(timeoutMs: number): SyncInterruption {
  const config = { get: () => ({ shutdownTimeoutMs: timeoutMs }) };
  return new SyncInterruption(config as unknown as ConfigService<AppConfig, true>);
}

/** A worker whose streamer syncs wait on Twitch for `syncMs` (interruptibly, as the real one). */
class SlowHandler extends IngestionJobHandler {
  readonly started: number[] = [];
  readonly finished: number[] = [];

  constructor(
    private readonly stop: SyncInterruption,
    private readonly syncMs: number,
  ) {
    super();
  }

  syncAll(_job: SyncAllJob): Promise<void> {
    return Promise.resolve();
  }

  async syncStreamer(job: SyncStreamerJob): Promise<void> {
    this.started.push(job.streamerId);
    await this.stop.race(new Promise((resolve) => setTimeout(resolve, this.syncMs)));
    this.finished.push(job.streamerId);
  }
}

describe('InProcessJobQueue on shutdown', () => {
  // The queue reports dropped and abandoned jobs as warnings; not for this output (jest gives
  // each spec file its own module registry, so this stays within the file).
  beforeAll(() => Logger.overrideLogger(false));
  // Syncs, the grace and the retry timers run on jest's clock, moved by each test.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('finishes the running syncs within the grace and drops the queued ones', async () => {
    const stop = interruption(3_500);
    const queue = new InProcessJobQueue(1, stop);
    const handler = new SlowHandler(stop, 100);
    queue.attach(handler);
    await queue.enqueueStreamerSyncs([1, 2, 3].map((streamerId) => ({ cycleId: 'c', streamerId })));

    const stopping = queue.beforeApplicationShutdown();
    await jest.advanceTimersByTimeAsync(100);
    await stopping;

    expect(handler.finished).toEqual([1]);
    expect(handler.started).toEqual([1]);
    expect(stop.isInterrupted).toBe(false);
    // Nothing more is taken once the stop began.
    await queue.enqueueStreamerSyncs([{ cycleId: 'late', streamerId: 4 }]);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(handler.started).toEqual([1]);
  });

  it('interrupts a sync that outlasts the grace and does not retry it', async () => {
    const stop = interruption(3_100);
    const queue = new InProcessJobQueue(2, stop);
    const handler = new SlowHandler(stop, 60_000);
    queue.attach(handler);
    await queue.enqueueStreamerSyncs([{ cycleId: 'c', streamerId: 1 }]);
    await jest.advanceTimersByTimeAsync(10);

    const started = Date.now();
    const stopping = queue.beforeApplicationShutdown();
    // The grace is 100 ms: then the sync is interrupted and gives up at once.
    await jest.advanceTimersByTimeAsync(100);
    await stopping;

    expect(Date.now() - started).toBe(100);
    expect(stop.isInterrupted).toBe(true);
    expect(handler.started).toEqual([1]);
    expect(handler.finished).toEqual([]);
    await queue.drain();
    expect(handler.started).toEqual([1]);
  });
});

/** Records each streamer sync's attempt, and fails the first `failures` attempts of each. */
class FlakyHandler extends IngestionJobHandler {
  readonly attempts: Array<{ streamerId: number; finalAttempt: boolean }> = [];
  readonly contexts: Array<string | undefined> = [];

  constructor(
    private readonly failures: number,
    private readonly context?: AsyncLocalStorage<string>,
  ) {
    super();
  }

  syncAll(_job: SyncAllJob): Promise<void> {
    return Promise.resolve();
  }

  syncStreamer(job: SyncStreamerJob, finalAttempt: boolean): Promise<void> {
    this.attempts.push({ streamerId: job.streamerId, finalAttempt });
    this.contexts.push(this.context?.getStore());
    const failed = this.attempts.filter((a) => a.streamerId === job.streamerId).length;
    return failed <= this.failures
      ? Promise.reject(new Error('Twitch is down'))
      : Promise.resolve();
  }
}

describe('InProcessJobQueue running jobs', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.useRealTimers());

  it('retries a failing job with backoff and tells the handler which attempt is the last', async () => {
    jest.useFakeTimers();
    const queue = new InProcessJobQueue(2, interruption(10_000));
    const handler = new FlakyHandler(5);
    queue.attach(handler);
    await queue.enqueueStreamerSyncs([{ cycleId: 'c', streamerId: 7 }]);
    await jest.advanceTimersByTimeAsync(0);
    expect(handler.attempts).toHaveLength(1);
    // Not yet: the first retry waits the policy's backoff.
    await jest.advanceTimersByTimeAsync(JOB_POLICIES[JOB_SYNC_STREAMER].backoffMs - 1);
    expect(handler.attempts).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(handler.attempts.map((a) => a.finalAttempt)).toEqual([false, false, true]);
  });

  it('runs a job id once, however often it is enqueued', async () => {
    const queue = new InProcessJobQueue(2, interruption(10_000));
    const handler = new FlakyHandler(0);
    queue.attach(handler);
    const job = { cycleId: 'slot-1', streamerId: 3 };
    await queue.enqueueStreamerSyncs([job, job]);
    await queue.enqueueStreamerSyncs([job]);
    await queue.drain();
    expect(handler.attempts).toHaveLength(1);
  });

  it('refuses to enqueue in a process without a worker', () => {
    const queue = new InProcessJobQueue(2, interruption(10_000));
    expect(() => queue.enqueueStreamerSyncs([{ cycleId: 'c', streamerId: 1 }])).toThrow(
      /runs no ingestion worker/,
    );
  });

  it('runs jobs outside the async context of whoever enqueued them', async () => {
    const requestContext = new AsyncLocalStorage<string>();
    const queue = new InProcessJobQueue(2, interruption(10_000));
    const handler = new FlakyHandler(0, requestContext);
    queue.attach(handler);
    await requestContext.run('request-42', () =>
      queue.enqueueStreamerSyncs([{ cycleId: 'c', streamerId: 1 }]),
    );
    await queue.drain();
    expect(handler.contexts).toEqual([undefined]);
  });
});
