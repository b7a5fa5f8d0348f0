import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig, NotificationsSection } from '../config/configuration';
import { notificationsSent } from '../metrics/metrics.registry';
import { DiscordSender } from './channels/discord.sender';
import { SendOutcome } from './channels/send-outcome';
import { TelegramApi } from './channels/telegram-api';
import { WebhookSender } from './channels/webhook.sender';
import { DESTINATION_PACER, DestinationPacer, MAX_INLINE_WAIT_MS } from './destination-pacer';
import { DestinationGuard } from './http/destination-guard';
import { PinnedHttp } from './http/pinned-http';
import {
  BurstMessage,
  ChefeClipMessage,
  discordBurstBody,
  discordChefeClipBody,
  discordLiveBody,
  discordTestBody,
  LiveMessage,
  telegramBurstText,
  telegramChefeClipText,
  telegramLiveText,
  TEST_TEXT,
  webhookEvent,
  WebhookEventType,
} from './messages';
import { NotificationSettingsService } from './notification-settings.service';
import { Completion, OutboxRepository, RenderRow } from './outbox.repository';

/** What one row's send is, before it goes out. */
interface Prepared {
  destinationKey: string;
  payload: Record<string, unknown>;
  send: () => Promise<SendOutcome>;
}

const EVENT_TYPES: Record<RenderRow['kind'], WebhookEventType> = {
  burst: 'burst.created',
  burst_grown: 'burst.grown',
  live: 'streamer.online',
  chefe_clip: 'clip.chefe',
  test: 'test',
};

/**
 * Sends what the outbox holds due (§17), in batches: claim (a lease, SKIP LOCKED, round robin
 * across users), render every claimed row from one read, send them `concurrency` at a time
 * under the destinations' pacing, then record every outcome in one statement. One dispatch at a
 * time per process; several processes dispatch side by side.
 */
@Injectable()
export class NotificationDispatcher {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private readonly section: NotificationsSection;
  private readonly http: PinnedHttp;
  private readonly webhooks: WebhookSender;
  private readonly discord: DiscordSender;
  private running?: Promise<void>;
  private again = false;
  private stopping = false;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly settings: NotificationSettingsService,
    private readonly telegram: TelegramApi,
    @Inject(DESTINATION_PACER) private readonly pacer: DestinationPacer,
    config: ConfigService<AppConfig, true>,
  ) {
    this.section = config.get('notifications', { infer: true });
    this.http = new PinnedHttp(this.section.timeoutMs);
    const guard = new DestinationGuard({
      requireHttps: config.get('app', { infer: true }).env === 'production',
      allowPrivateHosts: this.section.allowPrivateHosts,
    });
    this.webhooks = new WebhookSender(guard, this.http);
    this.discord = new DiscordSender(guard, this.http);
  }

  /**
   * Sends everything due now, batch after batch. A call while a dispatch runs makes that one go
   * round once more (rows committed meanwhile are not left for the next poll). Never rejects.
   */
  drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop()
      .catch((error: unknown) =>
        // The database went away mid-dispatch: claimed rows wait out their lease, then go again.
        this.logger.warn({ err: (error as Error).message }, 'notification_dispatch_failed'),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops taking rows; the dispatch under way finishes (its sends are bounded by the timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.http.close();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      let claimed: number;
      do {
        claimed = await this.dispatchBatch();
      } while (claimed >= this.section.batchSize && !this.stopping);
    } while (this.again && !this.stopping);
  }

  /** One batch; returns how many rows it claimed. */
  async dispatchBatch(): Promise<number> {
    if (this.stopping) return 0;
    const token = randomUUID();
    const ids = await this.outbox.claim(token, this.section.batchSize, this.section.leaseMs);
    if (ids.length === 0) return 0;
    const rows = await this.outbox.render(ids);
    const completions = await mapConcurrently(rows, this.section.concurrency, (row) =>
      this.deliver(row).catch((error: unknown) => {
        // A bug, not a destination's answer: the row is retried like a 5xx.
        this.logger.error(
          { notificationId: row.id, err: (error as Error).message },
          'notification_send_crashed',
        );
        return this.completion(row, { kind: 'retry', reason: 'internal_error' }, null);
      }),
    );
    await this.outbox.complete(token, completions);
    return ids.length;
  }

  private async deliver(row: RenderRow): Promise<Completion> {
    const prepared = this.prepare(row);
    if ('refused' in prepared) {
      return this.completion(row, { kind: 'refused', reason: prepared.refused }, null);
    }
    for (;;) {
      const waitMs = await this.pacer.reserve(row.channel, prepared.destinationKey);
      if (waitMs === 0) break;
      if (waitMs > MAX_INLINE_WAIT_MS) {
        return this.completion(
          row,
          { kind: 'rate_limited', retryAfterMs: waitMs, reason: 'paced' },
          prepared.payload,
        );
      }
      await sleep(waitMs);
    }
    const outcome = await prepared.send();
    if (outcome.kind === 'rate_limited') {
      await this.pacer.block(row.channel, prepared.destinationKey, outcome.retryAfterMs);
    }
    return this.completion(row, outcome, prepared.payload);
  }

  private prepare(row: RenderRow): Prepared | { refused: string } {
    const destinations = this.settings.decrypt(row);
    const burst = toBurstMessage(row);
    const live = toLiveMessage(row);
    if ((row.kind === 'burst' || row.kind === 'burst_grown') && !burst) {
      return { refused: 'burst_gone' };
    }
    if (row.kind === 'live' && !live) return { refused: 'streamer_gone' };
    const chefeClip = toChefeClipMessage(row);
    if (row.kind === 'chefe_clip' && !chefeClip) return { refused: 'clip_gone' };
    const edit = row.kind === 'burst_grown' ? (row.originalMessageId ?? undefined) : undefined;

    switch (row.channel) {
      case 'webhook': {
        const { webhookUrl: url, webhookSecret: secret } = destinations;
        if (!url || !secret) return { refused: 'channel_removed' };
        const event = webhookEvent(
          EVENT_TYPES[row.kind],
          row.idempotencyKey,
          new Date(row.createdAt).toISOString(),
          {
            burst,
            live,
            chefeClip,
          },
        );
        const body = JSON.stringify(event);
        return {
          destinationKey: hashKey(url),
          payload: event,
          send: () => this.webhooks.send({ url, secret, idempotencyKey: row.idempotencyKey, body }),
        };
      }
      case 'discord': {
        const url = destinations.discordUrl;
        if (!url) return { refused: 'channel_removed' };
        const body = burst
          ? discordBurstBody(burst)
          : live
            ? discordLiveBody(live)
            : chefeClip
              ? discordChefeClipBody(chefeClip)
              : discordTestBody();
        return {
          destinationKey: hashKey(url),
          payload: body,
          send: () => this.discord.send({ url, body, editMessageId: edit }),
        };
      }
      case 'telegram': {
        const chatId = destinations.telegramChatId;
        if (!chatId) return { refused: 'channel_removed' };
        const text = burst
          ? telegramBurstText(burst)
          : live
            ? telegramLiveText(live)
            : chefeClip
              ? telegramChefeClipText(chefeClip)
              : TEST_TEXT;
        return {
          destinationKey: hashKey(chatId),
          payload: { text, ...(edit ? { edit_message_id: edit } : {}) },
          send: () =>
            edit
              ? this.telegram.editMessageText(chatId, edit, text)
              : this.telegram.sendMessage(chatId, text),
        };
      }
    }
  }

  private completion(
    row: RenderRow,
    outcome: SendOutcome,
    payload: Record<string, unknown> | null,
  ): Completion {
    const base = { id: row.id, payload, remoteMessageId: null, foldUpTo: null, refund: 0 as const };
    let completion: Completion;
    switch (outcome.kind) {
      case 'sent':
        completion = {
          ...base,
          status: 'sent',
          remoteMessageId: outcome.remoteMessageId ?? null,
          error: null,
          nextAttemptAt: null,
          foldUpTo: row.foldUpTo,
        };
        break;
      case 'rate_limited':
        completion = {
          ...base,
          status: 'pending',
          error: outcome.reason,
          nextAttemptAt: new Date(Date.now() + outcome.retryAfterMs),
          refund: 1,
        };
        break;
      case 'retry':
        completion =
          row.attempts >= this.section.maxAttempts
            ? { ...base, status: 'failed', error: outcome.reason, nextAttemptAt: null }
            : {
                ...base,
                status: 'pending',
                error: outcome.reason,
                nextAttemptAt: new Date(
                  Date.now() + this.section.retryBaseMs * 2 ** Math.max(0, row.attempts - 1),
                ),
              };
        break;
      case 'refused':
        completion = { ...base, status: 'failed', error: outcome.reason, nextAttemptAt: null };
        break;
    }
    const counted =
      outcome.kind === 'retry' && completion.status === 'failed' ? 'failed' : outcome.kind;
    notificationsSent.inc({ channel: row.channel, outcome: counted });
    if (completion.status !== 'sent') {
      this.logger.log(
        {
          notificationId: row.id,
          userId: row.userId,
          channel: row.channel,
          attempt: row.attempts,
          status: completion.status,
          reason: outcome.kind === 'sent' ? undefined : outcome.reason,
        },
        'notification_not_sent',
      );
    }
    return completion;
  }
}

function toBurstMessage(row: RenderRow): BurstMessage | undefined {
  if (row.burstId === null || row.burstStart === null || row.burstEnd === null) return undefined;
  if (row.streamerId === null || row.displayName === null) return undefined;
  return {
    burstId: row.burstId,
    streamer: {
      id: row.streamerId,
      displayName: row.displayName,
      twitchUserId: row.twitchUserId ?? '',
    },
    aoVivo: row.aoVivo ?? false,
    start: new Date(row.burstStart).toISOString(),
    end: new Date(row.burstEnd).toISOString(),
    clips: row.clips.map((clip) => ({
      ...clip,
      createdAt: new Date(clip.createdAt).toISOString(),
    })),
  };
}

function toLiveMessage(row: RenderRow): LiveMessage | undefined {
  if (row.kind !== 'live' || row.streamerId === null || row.displayName === null) return undefined;
  return {
    streamer: {
      id: row.streamerId,
      displayName: row.displayName,
      twitchUserId: row.twitchUserId ?? '',
    },
    startedAt: row.liveSince ? new Date(row.liveSince).toISOString() : null,
    title: row.liveTitle,
    gameName: row.liveGameName,
    viewerCount: row.liveViewerCount,
  };
}

function toChefeClipMessage(row: RenderRow): ChefeClipMessage | undefined {
  if (row.kind !== 'chefe_clip' || row.clipExternalId === null || row.clipCreatedAt === null) {
    return undefined;
  }
  if (row.streamerId === null || row.displayName === null) return undefined;
  return {
    streamer: {
      id: row.streamerId,
      displayName: row.displayName,
      twitchUserId: row.twitchUserId ?? '',
    },
    clip: {
      id: row.clipExternalId,
      url: row.clipUrl,
      title: row.clipTitle,
      viewerCount: row.clipViewerCount,
      createdAt: new Date(row.clipCreatedAt).toISOString(),
      creatorName: row.clipCreatorName ?? '',
    },
  };
}

function hashKey(destination: string): string {
  return createHash('sha256').update(destination).digest('hex').slice(0, 24);
}

async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}
