import { AsyncResource } from 'node:async_hooks';
import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain.error';
import { LogFields, withLogFields } from '../common/log-context';
import {
  JOB_POLICIES,
  JOB_SYNC_ALL,
  JOB_SYNC_STREAMER,
  JobPolicy,
  streamerJobId,
  SyncAllJob,
  SyncStreamerJob,
} from './ingestion.jobs';
import { IngestionJobHandler, JobQueue } from './job-queue';
import { SyncInterruption } from './sync-interruption';

/** Fan-outs and streamer syncs each have their own slots, as on Bull (two queues). */
type Lane = 'cycle' | 'streamer';

interface QueuedJob {
  id: string;
  name: string;
  lane: Lane;
  policy: JobPolicy;
  attempt: number;
  run: (finalAttempt: boolean) => Promise<void>;
  /** On every line the job logs (job, cycle, streamer). */
  logFields: LogFields;
}

/** Job ids remembered to refuse duplicates; old ones are forgotten beyond this many. */
const REMEMBERED_JOB_IDS = 100_000;

/**
 * Runs ingestion jobs inside this process when there is no Redis: the same handlers, the same
 * retry policy and a concurrency limit, without Bull. Nothing survives a restart, which is fine
 * for a single process: the scheduler enqueues a new cycle when it starts.
 *
 * `concurrency` streamer syncs run at once; a fan-out runs in a slot of its own, never in theirs.
 */
export class InProcessJobQueue extends JobQueue implements BeforeApplicationShutdown {
  private readonly logger = new Logger(InProcessJobQueue.name);
  private readonly waiting: Record<Lane, QueuedJob[]> = { cycle: [], streamer: [] };
  private readonly runningIn: Record<Lane, Set<Promise<void>>> = {
    cycle: new Set(),
    streamer: new Set(),
  };
  private readonly limits: Record<Lane, number>;
  private readonly knownIds = new Set<string>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private handler?: IngestionJobHandler;
  /**
   * Runs a job in the async context this queue was created in (start-up), not in the context of
   * whoever enqueued it: otherwise a sync started by POST /ingestion/sync would log every line
   * under that request's id, as if the request did the work.
   */
  private readonly executeDetached: (job: QueuedJob) => Promise<void>;

  constructor(
    concurrency: number,
    private readonly interruption: SyncInterruption,
  ) {
    super();
    this.limits = { cycle: 1, streamer: concurrency };
    this.executeDetached = AsyncResource.bind((job: QueuedJob) => this.execute(job));
  }

  /** Called by the worker role; until then (or without it) enqueueing is refused. */
  attach(handler: IngestionJobHandler): void {
    this.handler = handler;
  }

  enqueueSyncAll(job: SyncAllJob, jobId: string): Promise<string> {
    this.push({
      id: jobId,
      name: JOB_SYNC_ALL,
      lane: 'cycle',
      policy: JOB_POLICIES[JOB_SYNC_ALL],
      attempt: 0,
      run: () => this.requireHandler().syncAll(job),
      logFields: { jobId, cycleId: job.cycleId },
    });
    return Promise.resolve(jobId);
  }

  enqueueStreamerSyncs(jobs: SyncStreamerJob[]): Promise<void> {
    for (const job of jobs) {
      const id = streamerJobId(job.cycleId, job.streamerId);
      this.push({
        id,
        name: JOB_SYNC_STREAMER,
        lane: 'streamer',
        policy: JOB_POLICIES[JOB_SYNC_STREAMER],
        attempt: 0,
        run: (finalAttempt) => this.requireHandler().syncStreamer(job, finalAttempt),
        logFields: { jobId: id, cycleId: job.cycleId, streamerId: job.streamerId },
      });
    }
    return Promise.resolve();
  }

  /**
   * Stops taking jobs and lets the running ones finish within the grace period, then interrupts
   * them. Queued and interrupted jobs are dropped: the next start schedules a new cycle. Runs
   * before the database closes, so that a job finishing in time can still commit.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    const dropped = this.waiting.cycle.length + this.waiting.streamer.length;
    this.waiting.cycle.length = 0;
    this.waiting.streamer.length = 0;
    const outcome = await this.interruption.drain(Promise.allSettled(this.running()));
    if (dropped > 0 || outcome !== 'finished') {
      this.logger.warn(
        { dropped, running: outcome, graceMs: this.interruption.graceMs },
        'jobs_dropped_on_shutdown',
      );
    }
  }

  jobCounts(): Promise<Record<string, number>> {
    return Promise.resolve({
      'streamer:waiting': this.waiting.streamer.length,
      'streamer:active': this.runningIn.streamer.size,
      'cycle:waiting': this.waiting.cycle.length,
      'cycle:active': this.runningIn.cycle.size,
      'streamer:delayed': this.retryTimers.size,
    });
  }

  /** Resolves when nothing is queued or running (the e2e specs wait on it). */
  async drain(): Promise<void> {
    while (
      this.waiting.cycle.length + this.waiting.streamer.length > 0 ||
      this.running().length > 0 ||
      this.retryTimers.size > 0
    ) {
      // The global setTimeout (not timers/promises), as for the retry timers: specs fake it.
      await Promise.race([...this.running(), new Promise((resolve) => setTimeout(resolve, 10))]);
    }
  }

  private running(): Promise<void>[] {
    return [...this.runningIn.cycle, ...this.runningIn.streamer];
  }

  private requireHandler(): IngestionJobHandler {
    if (!this.handler) throw new Error('No ingestion worker in this process');
    return this.handler;
  }

  private push(job: QueuedJob): void {
    if (!this.handler) {
      throw new DomainError(
        'unavailable',
        'no_worker',
        'This process runs no ingestion worker and no queue is configured (set CLIPADOR_REDIS_URL ' +
          'or add "worker" to CLIPADOR_ROLES)',
      );
    }
    if (this.stopping || this.knownIds.has(job.id)) return;
    this.knownIds.add(job.id);
    if (this.knownIds.size > REMEMBERED_JOB_IDS) {
      this.knownIds.delete(this.knownIds.values().next().value as string);
    }
    this.waiting[job.lane].push(job);
    this.pump(job.lane);
  }

  private pump(lane: Lane): void {
    const waiting = this.waiting[lane];
    const running = this.runningIn[lane];
    while (!this.stopping && running.size < this.limits[lane] && waiting.length > 0) {
      const job = waiting.shift()!;
      const execution = this.executeDetached(job).finally(() => {
        running.delete(execution);
        this.pump(lane);
      });
      running.add(execution);
    }
  }

  private execute(job: QueuedJob): Promise<void> {
    return withLogFields(job.logFields, () => this.attempt(job));
  }

  private async attempt(job: QueuedJob): Promise<void> {
    job.attempt++;
    const finalAttempt = job.attempt >= job.policy.attempts;
    try {
      await job.run(finalAttempt);
    } catch (error) {
      if (this.stopping) {
        // Interrupted by the stop, or failed while it was under way: not retried in this process.
        this.logger.warn(
          { jobId: job.id, job: job.name, attempt: job.attempt, err: (error as Error).message },
          'job_abandoned',
        );
        return;
      }
      if (finalAttempt) {
        this.logger.error(
          { jobId: job.id, job: job.name, attempt: job.attempt, err: (error as Error).message },
          'job_failed',
        );
        return;
      }
      const delay = job.policy.backoffMs * 2 ** (job.attempt - 1);
      this.logger.warn(
        {
          jobId: job.id,
          job: job.name,
          attempt: job.attempt,
          retryInMs: delay,
          err: (error as Error).message,
        },
        'job_retry_scheduled',
      );
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.waiting[job.lane].push(job);
        this.pump(job.lane);
      }, delay);
      this.retryTimers.add(timer);
    }
  }
}
