import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/configuration';
import { InProcessJobQueue } from './in-process-job-queue';
import { SyncAllJob, SyncStreamerJob } from './ingestion.jobs';
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

  it('finishes the running syncs within the grace and drops the queued ones', async () => {
    const stop = interruption(3_500);
    const queue = new InProcessJobQueue(1, stop);
    const handler = new SlowHandler(stop, 100);
    queue.attach(handler);
    await queue.enqueueStreamerSyncs([1, 2, 3].map((streamerId) => ({ cycleId: 'c', streamerId })));

    await queue.beforeApplicationShutdown();

    expect(handler.finished).toEqual([1]);
    expect(handler.started).toEqual([1]);
    // Nothing more is taken once the stop began.
    await queue.enqueueStreamerSyncs([{ cycleId: 'late', streamerId: 4 }]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(handler.started).toEqual([1]);
  });

  it('interrupts a sync that outlasts the grace and does not retry it', async () => {
    const stop = interruption(3_100);
    const queue = new InProcessJobQueue(2, stop);
    const handler = new SlowHandler(stop, 60_000);
    queue.attach(handler);
    await queue.enqueueStreamerSyncs([{ cycleId: 'c', streamerId: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 10));

    const started = Date.now();
    await queue.beforeApplicationShutdown();

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(handler.started).toEqual([1]);
    expect(handler.finished).toEqual([]);
    await queue.drain();
    expect(handler.started).toEqual([1]);
  });
});
