import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DomainError } from '../common/errors/domain.error';
import { EventsPublisher } from '../events/events.publisher';
import { AppConfig, IngestionSection } from '../config/configuration';
import { credentialLabel } from '../metrics/metrics.registry';
import { NotificationsService } from '../notifications/notifications.service';
import { LiveStreamRow } from '../streams/streams.repository';
import { StreamerForSync, StreamerSyncService } from '../streams/streamer-sync.service';
import type { LiveCheck } from '../twitch/helix.types';
import { TwitchClient } from '../twitch/twitch.client';
import { appCredentials, credentialsForStreamer, TwitchAppCredentials } from './credentials';
import { CredentialCoverage, IngestionStatusService } from './ingestion-status.service';
import { isForcedCycle, manualCycleId, SyncAllJob } from './ingestion.jobs';
import { JobQueue } from './job-queue';

/** A streamer stays in the live tier this long after it was last seen live (late clips). */
export const LIVE_TAIL_MS = 10 * 60_000;

export const hashClientId = credentialLabel;

export interface FittedCycle {
  live: StreamerForSync[];
  /** Every offline streamer, oldest last sync first (never synced first). */
  offline: StreamerForSync[];
  /** Offline streamers last synced before `dueBefore` (a prefix of `offline`). */
  due: StreamerForSync[];
  chosenOffline: StreamerForSync[];
}

/**
 * The pure part of a budget-fitted cycle for one credential (§16). Every streamer in the live
 * tier, then offline ones, each oldest last sync first (never synced first), the offline ones
 * with what the cycle's `budget.cycle` leaves. Offline streamers *due* (their max gap, INGESTION_OFFLINE_MAX_MINUTES,
 * would pass before the next cycle: last synced before `dueBefore`) are a prefix of that order and
 * are forced in: when the live tier leaves too little, they still get the share that keeps every
 * offline streamer within the max gap (offline / `maxGapCycles` a cycle), paid from the reserve
 * up to the interval's whole allowance (`budget.limit`). The reserve is touched only for that.
 */
export function fitToBudget(
  streamers: readonly StreamerForSync[],
  liveTier: (streamer: StreamerForSync) => boolean,
  budget: { cycle: number; limit: number },
  dueBefore: number,
  maxGapCycles: number,
): FittedCycle {
  const bySync = (a: StreamerForSync, b: StreamerForSync) =>
    syncedAt(a) - syncedAt(b) || a.id - b.id;
  // Live ones oldest last sync first too: each keeps its place from one cycle to the next, so its
  // gap stays one interval (in query order, a streamer synced early in one cycle could be synced
  // late in the next: a gap of the interval plus the cycle's spread).
  const live = streamers.filter(liveTier).sort(bySync);
  const offline = streamers.filter((streamer) => !liveTier(streamer)).sort(bySync);
  const due = offline.filter((streamer) => syncedAt(streamer) < dueBefore);
  const room = budget.cycle - live.length;
  const share = Math.min(
    Math.ceil(offline.length / Math.max(1, maxGapCycles)),
    budget.limit - live.length,
    due.length,
  );
  return { live, offline, due, chosenOffline: offline.slice(0, Math.max(0, room, share)) };
}

function syncedAt(streamer: StreamerForSync): number {
  return streamer.lastClipSyncedAt?.getTime() ?? -Infinity;
}

/** What `POST /ingestion/sync` did: started a cycle, or joined the one running. */
export interface SyncRequestOutcome {
  jobId: string;
  joined: boolean;
}

/**
 * Plans sync cycles (PRODUCT §16): one cycle at a time, never stacked on an unfinished one, and at
 * most one pending job per streamer whatever the number of schedulers, workers and manual
 * requests. The rules' atomic parts are in the status store; this class orders the steps.
 */
@Injectable()
export class SyncCyclePlanner {
  private readonly logger = new Logger(SyncCyclePlanner.name);
  private readonly ingestion: IngestionSection;
  private readonly clipador: TwitchAppCredentials | undefined;
  /** Get Clips points one credential may spend per cycle, before the live checks. */
  private readonly pointsPerCycle: number;
  /** What one credential's rate limit allows in one interval. */
  private readonly pointsPerInterval: number;

  constructor(
    private readonly streams: StreamerSyncService,
    private readonly queue: JobQueue,
    private readonly status: IngestionStatusService,
    private readonly twitch: TwitchClient,
    private readonly events: EventsPublisher,
    private readonly notifications: NotificationsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.ingestion = config.get('ingestion', { infer: true });
    const twitchSection = config.get('twitch', { infer: true });
    this.clipador = appCredentials(twitchSection);
    this.pointsPerInterval = Math.floor(
      (twitchSection.pointsPerMinute * this.ingestion.intervalSeconds) / 60,
    );
    this.pointsPerCycle = Math.floor(
      this.pointsPerInterval * (1 - this.ingestion.budgetReservePercent / 100),
    );
  }

  /**
   * `POST /ingestion/sync`: joins the running cycle (its id), or claims a new one and enqueues it.
   * `force` starts a new cycle even while one runs; streamers with a job pending keep that one.
   */
  async requestSync(force: boolean): Promise<SyncRequestOutcome> {
    const cycleId = manualCycleId(force, randomUUID());
    let current: string;
    try {
      current = await this.status.claimCycle(cycleId, force);
    } catch (error) {
      throw new DomainError(
        'unavailable',
        'queue_unavailable',
        `The job queue is unavailable: ${(error as Error).message}`,
      );
    }
    if (current !== cycleId) {
      this.logger.log({ cycleId: current }, 'ingestion_sync_joined');
      return { jobId: current, joined: true };
    }
    try {
      await this.queue.enqueueSyncAll(
        { cycleId, trigger: 'api', requestedAt: new Date().toISOString(), force },
        cycleId,
      );
    } catch (error) {
      await this.status.releaseCycle(cycleId).catch(() => undefined);
      throw error;
    }
    return { jobId: cycleId, joined: false };
  }

  /** The cycle job: claim, choose the streamers, mark them pending, enqueue them. */
  async run(job: SyncAllJob): Promise<void> {
    const { cycleId } = job;
    const current = await this.status.claimCycle(cycleId, job.force ?? false);
    if (current !== cycleId) {
      this.logger.log(
        {
          cycleId,
          trigger: job.trigger,
          reason: current ? 'the previous cycle is unfinished' : 'the cycle already ran',
          running: current || undefined,
        },
        'ingestion_cycle_skipped',
      );
      return;
    }
    const streamers = await this.streams.findPolledForSync();
    const planned = await this.plan(cycleId, streamers);
    const toEnqueue = await this.status.markPending(cycleId, planned);
    this.logger.log(
      {
        cycleId,
        trigger: job.trigger,
        streamers: streamers.length,
        planned: planned.length,
        enqueued: toEnqueue.length,
        alreadyPending: planned.length - toEnqueue.length,
      },
      'ingestion_started',
    );
    await this.queue.enqueueStreamerSyncs(toEnqueue.map((streamerId) => ({ cycleId, streamerId })));
    const totals = await this.status.finishPlanning(cycleId);
    if (totals) {
      this.logger.log(
        { cycleId, ...totals, durationMs: Date.now() - totals.startedAt },
        'ingestion_finished',
      );
    }
  }

  /**
   * Live status first, then the budget: per credential, one Get Streams per 100 streamers (their
   * points come out of the cycle's budget), the answer recorded (transitions once each), then
   * the live tier and as many offline streamers as the budget leaves. Streamers with no usable
   * credentials are planned too: their job records why they are skipped. Returns the streamer ids
   * in the order they should run: live tiers first.
   */
  private async plan(cycleId: string, streamers: StreamerForSync[]): Promise<number[]> {
    const now = new Date();
    const groups = new Map<
      string,
      { credentials: TwitchAppCredentials; streamers: StreamerForSync[] }
    >();
    const uncredentialed: number[] = [];
    for (const streamer of streamers) {
      const choice = await credentialsForStreamer(this.streams, streamer, this.clipador, now);
      if ('skip' in choice) {
        uncredentialed.push(streamer.id);
        continue;
      }
      const group = groups.get(choice.use.clientId) ?? { credentials: choice.use, streamers: [] };
      group.streamers.push(streamer);
      groups.set(choice.use.clientId, group);
    }

    const live: number[] = [];
    const offline: number[] = [];
    const plans: CredentialCoverage[] = [];
    for (const group of groups.values()) {
      const liveNow = await this.checkLive(cycleId, group.credentials, group.streamers, now);
      const budget = this.pointsPerCycle - liveNow.requests;
      const maxGapMs = this.ingestion.offlineMaxMinutes * 60_000;
      const intervalMs = this.ingestion.intervalSeconds * 1000;
      // Due: its max gap passes before the next cycle. A rotation of (gap / interval - 1) cycles
      // reaches each one in time.
      const fitted = fitToBudget(
        group.streamers,
        liveNow.inLiveTier,
        { cycle: budget, limit: this.pointsPerInterval - liveNow.requests },
        now.getTime() - maxGapMs + intervalMs,
        Math.floor(maxGapMs / intervalMs) - 1,
      );
      const overdueBefore = now.getTime() - maxGapMs;
      live.push(...fitted.live.map((streamer) => streamer.id));
      offline.push(...fitted.chosenOffline.map((streamer) => streamer.id));
      const plan: CredentialCoverage = {
        credential: hashClientId(group.credentials.clientId),
        streamers: group.streamers.length,
        live: fitted.live.length,
        offline: fitted.offline.length,
        budget,
        liveChecks: liveNow.requests,
        unknown: liveNow.unknown,
        plannedLive: fitted.live.length,
        plannedOffline: fitted.chosenOffline.length,
        overdue: fitted.offline.filter((streamer) => syncedAt(streamer) < overdueBefore).length,
        oldestSyncAt: oldestSync(group.streamers),
        neverSynced: group.streamers.filter((streamer) => !streamer.lastClipSyncedAt).length,
        pointsPlanned: liveNow.requests + fitted.live.length + fitted.chosenOffline.length,
        pointsPerInterval: this.pointsPerInterval,
      };
      plans.push(plan);
      this.logger.log({ cycleId, ...plan }, 'ingestion_planned');
      if (plan.overdue > plan.plannedOffline) {
        this.logger.warn(
          {
            cycleId,
            credential: plan.credential,
            overdue: plan.overdue,
            plannedOffline: plan.plannedOffline,
          },
          'ingestion_budget_short',
        );
      }
    }
    // Coverage is the schedule's: a forced cycle's plan (beside it) would hide what it plans.
    if (!isForcedCycle(cycleId)) await this.status.recordPlans(plans).catch(() => undefined);
    return [...live, ...offline, ...uncredentialed];
  }

  /**
   * One credential's live checks, recorded. A streamer is in the live tier when this answer saw
   * it live; or, unknown this time or omitted once, when it was live; or when it was last seen
   * live less than LIVE_TAIL_MS ago.
   */
  private async checkLive(
    cycleId: string,
    credentials: TwitchAppCredentials,
    streamers: StreamerForSync[],
    now: Date,
  ): Promise<{ requests: number; unknown: number; inLiveTier: (s: StreamerForSync) => boolean }> {
    const byTwitchId = new Map(streamers.map((streamer) => [streamer.twitchUserId, streamer]));
    let check: LiveCheck;
    try {
      check = await this.twitch.getStreams(
        credentials,
        streamers.map((streamer) => streamer.twitchUserId),
      );
    } catch (error) {
      check = {
        checked: [],
        streams: [],
        unknown: streamers.map((streamer) => streamer.twitchUserId),
        requests: 0,
        failure: (error as Error).message,
      };
    }
    const seen = new Set<number>();
    const rows: LiveStreamRow[] = [];
    for (const stream of check.streams) {
      const streamer = byTwitchId.get(stream.user_id);
      const startedAt = new Date(stream.started_at);
      if (!streamer || Number.isNaN(startedAt.getTime())) continue;
      seen.add(streamer.id);
      rows.push({
        streamerId: streamer.id,
        startedAt,
        viewerCount: Number.isSafeInteger(stream.viewer_count) ? stream.viewer_count : 0,
        title: stream.title ?? '',
        gameName: stream.game_name ?? '',
        twitchStreamId: stream.id ?? '',
      });
    }
    const checkedIds = check.checked
      .map((id) => byTwitchId.get(id)?.id)
      .filter((id): id is number => id !== undefined);
    let notified = 0;
    const transitions = await this.streams.recordLiveChecks(
      now,
      checkedIds,
      rows,
      // "Now live" goes into the notification outbox in the transition's own transaction (§17).
      async (manager, changed) => {
        notified = await this.notifications.enqueueLive(manager, changed.online);
      },
    );
    // Recorded (committed): announce the transitions to the live feed and wake the sender.
    await this.events.liveChanged(
      transitions,
      new Map(streamers.map((streamer) => [streamer.id, streamer])),
      rows,
    );
    if (notified > 0) await this.notifications.announce();
    for (const streamerId of transitions.online) {
      this.logger.log({ cycleId, streamerId }, 'ingestion_streamer_online');
    }
    for (const streamerId of transitions.offline) {
      this.logger.log({ cycleId, streamerId }, 'ingestion_streamer_offline');
    }
    const wentOffline = new Set(transitions.offline);
    const tailFrom = now.getTime() - LIVE_TAIL_MS;
    return {
      requests: check.requests,
      unknown: check.unknown.length,
      inLiveTier: (streamer) =>
        seen.has(streamer.id) ||
        (streamer.isLive && !wentOffline.has(streamer.id)) ||
        (streamer.lastSeenLiveAt?.getTime() ?? 0) >= tailFrom,
    };
  }
}

/** The oldest last sync among streamers synced at least once. */
function oldestSync(streamers: readonly StreamerForSync[]): string | null {
  let oldest: number | undefined;
  for (const streamer of streamers) {
    const at = streamer.lastClipSyncedAt?.getTime();
    if (at !== undefined && (oldest === undefined || at < oldest)) oldest = at;
  }
  return oldest === undefined ? null : new Date(oldest).toISOString();
}
