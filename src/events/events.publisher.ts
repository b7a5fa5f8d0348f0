import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BurstChanges } from '../clips/bursts.service';
import { ClipsService } from '../clips/clips.service';
import { withTimeout } from '../common/timeout';
import { AppConfig } from '../config/configuration';
import { feedEvents } from '../metrics/metrics.registry';
import type { LiveStreamRow, LiveTransitions } from '../streams/streams.repository';
import { EventLog } from './event-log';
import { FeedEventInput } from './feed-event';

/** The streamer an event is about, as ingestion knows it. */
export interface FeedStreamer {
  id: number;
  displayName: string;
  twitchUserId: string;
}

/**
 * Where ingestion announces what it has committed to the live feed (PRODUCT §17): bursts created
 * or grown, streamers going online or offline. Called only after the commit — an event for a
 * rolled-back transaction must never be sent — and never failing nor waiting longer than
 * CLIPADOR_EVENTS_PUBLISH_TIMEOUT_MS: with Redis away, the events are logged and dropped and the
 * sync goes on (the feed is best-effort; deliveries and the outbox are the records).
 */
@Injectable()
export class EventsPublisher {
  private readonly logger = new Logger(EventsPublisher.name);
  private readonly timeoutMs: number;

  constructor(
    private readonly log: EventLog,
    private readonly clips: ClipsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.timeoutMs = config.get('events', { infer: true }).publishTimeoutMs;
  }

  /** After a sync's commit: `burst.created` / `burst.grown` with the burst as the API shows it. */
  async burstsChanged(streamer: FeedStreamer, changes: BurstChanges): Promise<void> {
    const all = [...changes.created, ...changes.grown];
    if (all.length === 0) return;
    const created = new Set(changes.created.map((change) => change.burstId));
    await this.publish(streamer.id, async () => {
      const bursts = await this.clips.burstsByIds(all.map((change) => change.burstId));
      const byId = new Map(bursts.map((burst) => [burst.id, burst]));
      return all.flatMap((change) => {
        const burst = byId.get(change.burstId);
        // Deleted since the commit (its streamer removed): nothing to announce.
        if (!burst) return [];
        return [
          {
            type: created.has(change.burstId) ? 'burst.created' : 'burst.grown',
            streamerId: streamer.id,
            data: JSON.stringify({ burst, added_clips: change.addedClips, at: now() }),
          } satisfies FeedEventInput,
        ];
      });
    });
  }

  /** After live checks were recorded: `streamer.online` / `streamer.offline`. */
  async liveChanged(
    transitions: LiveTransitions,
    streamers: ReadonlyMap<number, FeedStreamer>,
    live: readonly LiveStreamRow[],
  ): Promise<void> {
    if (transitions.online.length === 0 && transitions.offline.length === 0) return;
    const rows = new Map(live.map((row) => [row.streamerId, row]));
    const events: FeedEventInput[] = [];
    for (const [type, ids] of [
      ['streamer.online', transitions.online],
      ['streamer.offline', transitions.offline],
    ] as const) {
      for (const id of ids) {
        const streamer = streamers.get(id);
        if (!streamer) continue;
        const row = rows.get(id);
        const data = {
          streamer: streamerJson(streamer),
          ...(type === 'streamer.online' && row
            ? {
                live_since: row.startedAt.toISOString(),
                viewer_count: row.viewerCount,
                title: row.title,
                game_name: row.gameName,
              }
            : {}),
          at: now(),
        };
        events.push({ type, streamerId: id, data: JSON.stringify(data) });
      }
    }
    await this.publish(null, () => Promise.resolve(events));
  }

  private async publish(
    streamerId: number | null,
    build: () => Promise<FeedEventInput[]>,
  ): Promise<void> {
    let count = 0;
    try {
      await withTimeout(
        (async () => {
          const events = await build();
          count = events.length;
          for (const event of events) await this.log.append(event);
        })(),
        this.timeoutMs,
        'The live feed',
      );
      feedEvents.inc({ outcome: 'published' }, count);
    } catch (error) {
      feedEvents.inc({ outcome: 'dropped' }, Math.max(count, 1));
      this.logger.warn(
        { streamerId: streamerId ?? undefined, events: count, err: (error as Error).message },
        'events_publish_dropped',
      );
    }
  }
}

function streamerJson(streamer: FeedStreamer) {
  return {
    id: streamer.id,
    display_name: streamer.displayName,
    twitch_user_id: streamer.twitchUserId,
  };
}

function now(): string {
  return new Date().toISOString();
}
