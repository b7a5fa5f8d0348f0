import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig, NotificationsSection } from '../../config/configuration';
import { DestinationGuard } from '../http/destination-guard';
import { PinnedHttp } from '../http/pinned-http';
import { classifyStatus, clampWait, outcomeOfError, SendOutcome } from './send-outcome';

/** Telegram's answer envelope (Bot API). */
interface TelegramEnvelope<T> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export interface TelegramUpdate {
  update_id: number;
  message?: {
    message_id: number;
    text?: string;
    chat: { id: number; type: string; username?: string; first_name?: string; title?: string };
  };
}

export type TelegramResult<T> = { ok: true; result: T } | { ok: false; outcome: SendOutcome };

/**
 * The deployment's bot on the Bot API (`<TELEGRAM_API_URL>/bot<token>/<method>`): JSON in, the
 * `{ok, result}` / `{ok:false, error_code, description, parameters}` envelope out, classified as
 * send outcomes (429's `parameters.retry_after` honoured). The token is part of every URL, so no
 * URL ever reaches a log line or a stored error. The base URL is the deployment's own
 * configuration, not a user's: it is not held to the public-address rule (tests point it at a
 * loopback simulator), but the connection is still made to the one address resolved.
 */
@Injectable()
export class TelegramApi {
  private readonly section: NotificationsSection;
  private readonly guard = new DestinationGuard({ requireHttps: false, allowPrivateHosts: true });
  private readonly http: PinnedHttp;

  constructor(config: ConfigService<AppConfig, true>) {
    this.section = config.get('notifications', { infer: true });
    this.http = new PinnedHttp(this.section.timeoutMs);
  }

  get configured(): boolean {
    return this.section.telegramBotToken !== undefined;
  }

  async getMe(): Promise<{ username?: string } | undefined> {
    const answer = await this.call<{ username?: string }>('getMe', {});
    return answer.ok ? answer.result : undefined;
  }

  getUpdates(offset: number): Promise<TelegramResult<TelegramUpdate[]>> {
    return this.call('getUpdates', { offset, timeout: 0, allowed_updates: ['message'] });
  }

  async sendMessage(chatId: string, text: string): Promise<SendOutcome> {
    const answer = await this.call<{ message_id: number }>('sendMessage', {
      chat_id: chatId,
      text,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
    if (!answer.ok) return answer.outcome;
    return { kind: 'sent', remoteMessageId: String(answer.result.message_id) };
  }

  async editMessageText(chatId: string, messageId: string, text: string): Promise<SendOutcome> {
    const answer = await this.call('editMessageText', {
      chat_id: chatId,
      message_id: Number(messageId),
      text,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
    if (answer.ok) return { kind: 'sent', remoteMessageId: messageId };
    // The same text again (a resend after a lost answer) is not an error for us.
    if (answer.outcome.kind === 'refused' && answer.outcome.reason.includes('not modified')) {
      return { kind: 'sent', remoteMessageId: messageId };
    }
    return answer.outcome;
  }

  close(): void {
    this.http.close();
  }

  private async call<T>(
    method: string,
    params: Record<string, unknown>,
  ): Promise<TelegramResult<T>> {
    const token = this.section.telegramBotToken;
    if (!token)
      return { ok: false, outcome: { kind: 'refused', reason: 'telegram_not_configured' } };
    try {
      const target = await this.guard.check(`${this.section.telegramApiUrl}/bot${token}/${method}`);
      const answer = await this.http.send(target, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(params),
      });
      let envelope: TelegramEnvelope<T> | undefined;
      try {
        envelope = JSON.parse(answer.body) as TelegramEnvelope<T>;
      } catch {
        envelope = undefined;
      }
      if (envelope?.ok && answer.status === 200) return { ok: true, result: envelope.result as T };
      const code = envelope?.error_code ?? answer.status;
      const description = (envelope?.description ?? '').slice(0, 120);
      if (code === 429) {
        const seconds = envelope?.parameters?.retry_after;
        const fallback = classifyStatus(answer);
        return {
          ok: false,
          outcome:
            typeof seconds === 'number'
              ? {
                  kind: 'rate_limited',
                  retryAfterMs: clampWait(seconds * 1000),
                  reason: 'telegram_429',
                }
              : fallback,
        };
      }
      const kind = code >= 500 || code === 408 ? 'retry' : 'refused';
      return { ok: false, outcome: { kind, reason: `telegram_${code}: ${description}`.trim() } };
    } catch (error) {
      return { ok: false, outcome: outcomeOfError(error) };
    }
  }
}
