import { Injectable, Logger } from '@nestjs/common';
import { TelegramApi, TelegramUpdate } from './channels/telegram-api';
import { NotificationSettingsService } from './notification-settings.service';

/** `/start <nonce>` as Telegram sends it from a t.me/<bot>?start=<nonce> link (or typed). */
const START = /^\/start(?:@\w+)?\s+([A-Za-z0-9_-]{1,64})\s*$/;

/**
 * Reads the bot's updates with getUpdates (no webhook to expose) and binds the chat of each
 * `/start <nonce>` to the nonce's user: the only way a chat id gets stored. One poller at a time
 * across workers (the offset row's lock), each poll one short getUpdates (timeout 0): bounded,
 * so a worker's shutdown never waits on a long poll.
 */
@Injectable()
export class TelegramLinkPoller {
  private readonly logger = new Logger(TelegramLinkPoller.name);
  private polling?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly telegram: TelegramApi,
    private readonly settings: NotificationSettingsService,
  ) {}

  /** One poll; a call while one runs joins it. Never rejects. */
  poll(): Promise<void> {
    if (!this.telegram.configured || this.stopped) return Promise.resolve();
    this.polling ??= this.pollOnce()
      .catch((error: unknown) =>
        this.logger.warn({ err: (error as Error).message }, 'telegram_poll_failed'),
      )
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** No poll after this; the one under way finishes. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.polling;
  }

  private async pollOnce(): Promise<void> {
    await this.settings.withTelegramOffset(async (offset, save) => {
      const answer = await this.telegram.getUpdates(offset);
      if (!answer.ok) {
        this.logger.warn({ reason: answer.outcome.kind }, 'telegram_get_updates_failed');
        return;
      }
      let next = offset;
      for (const update of answer.result) {
        next = Math.max(next, update.update_id + 1);
        await this.handle(update);
      }
      if (next !== offset) await save(next);
    });
  }

  private async handle(update: TelegramUpdate): Promise<void> {
    const message = update.message;
    const match = message?.text?.match(START);
    if (!message || !match) return;
    const chat = message.chat;
    const hint = chat.username ? `@${chat.username}` : (chat.title ?? chat.first_name ?? 'chat');
    const userId = await this.settings.bindTelegramChat(match[1], String(chat.id), hint);
    await this.telegram.sendMessage(
      String(chat.id),
      userId === null
        ? 'Este link expirou ou já foi usado. Gere um novo no painel do Clipador.'
        : '✅ Telegram vinculado ao Clipador: você receberá aqui os seus alertas.',
    );
  }
}
