import { Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import { AppConfig } from '../config/configuration';
import { REDIS } from '../redis/redis.module';
import { EventId, FeedEvent, FeedEventInput } from './feed-event';
import { MemoryEventLog } from './memory-event-log';
import { RedisEventLog } from './redis-event-log';

/**
 * The live feed's ordered log of events (PRODUCT §17): the worker appends after a commit, each api
 * process reads it once and fans out to its clients, and a client's `Last-Event-ID` resumes
 * from it. Ids are `<ms>-<seq>`, ordered across every process that shares the log.
 */
export abstract class EventLog {
  /** Appends one event; its id. */
  abstract append(event: FeedEventInput): Promise<string>;

  /** Events after `after`, oldest first, at most `count`. */
  abstract after(after: EventId, count: number): Promise<FeedEvent[]>;

  /** Events after `after`, waiting up to `blockMs` for the first one (one reader per process). */
  abstract waitAfter(after: EventId, blockMs: number): Promise<FeedEvent[]>;

  /** The newest id given out so far (ZERO_EVENT_ID before the first). */
  abstract latestId(): Promise<EventId>;

  /**
   * Whether every event after `id` is still kept, so a resume from it misses nothing: false for
   * an id older than what trimming removed, or newer than anything given out.
   */
  abstract keepsAfter(id: EventId): Promise<boolean>;

  abstract close(): Promise<void>;
}

/** Events kept beyond the retention in memory at most (a flood trims sooner; resumes then reset). */
export const MEMORY_RING_CAPACITY = 50_000;

/**
 * The one place the store is chosen: a Redis Stream with CLIPADOR_REDIS_URL (shared by every
 * process), else a ring in this process (no Redis means the worker runs in the api's process).
 */
export const eventLogProvider: Provider = {
  provide: EventLog,
  inject: [ConfigService, REDIS],
  useFactory: (config: ConfigService<AppConfig, true>, redis: Redis | null): EventLog => {
    const retentionMs = config.get('events', { infer: true }).retentionMinutes * 60_000;
    if (!redis) return new MemoryEventLog(retentionMs, MEMORY_RING_CAPACITY);
    return new RedisEventLog(redis, `${config.get('redis', { infer: true }).prefix}:events`, {
      retentionMs,
    });
  },
};
