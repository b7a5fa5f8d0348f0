import { createHash, randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SecretBox } from '../common/crypto/secret-box';
import { FieldProblem, ValidationFailedError } from '../common/errors/domain.error';
import type { AppConfig, NotificationsSection } from '../config/configuration';
import { DestinationGuard, DestinationRefusedError } from './http/destination-guard';
import { TelegramNotConfiguredError } from './notifications.errors';
import { ChannelsPatch, NotificationSettingsRepository } from './notification-settings.repository';
import { TelegramApi } from './channels/telegram-api';

/** What `PUT /config/me` may say about notifications; undefined = not in the body. */
export interface NotificationSettingsInput {
  notify_webhook_url?: string | null;
  notify_discord_webhook_url?: string | null;
}

/** What every config answer shows of the channels: flags and masked hints, never a URL. */
export interface NotificationSettingsView {
  notify_webhook_configured: boolean;
  notify_webhook_url: string | null;
  notify_discord_configured: boolean;
  notify_discord_webhook_url: string | null;
  notify_telegram_linked: boolean;
  notify_telegram_hint: string | null;
}

/** A validated change, ready to store; `webhookSecret` is shown once, in the PUT's answer. */
export interface PreparedSettings {
  patch: ChannelsPatch;
  webhookSecret?: string;
}

/** A user's channels decrypted for a send. */
export interface Destinations {
  webhookUrl: string | null;
  webhookSecret: string | null;
  discordUrl: string | null;
  telegramChatId: string | null;
}

const LINK_TTL_MS = 15 * 60_000;
const DISCORD_PATH = /^\/webhooks\/(\d{1,30})\/([A-Za-z0-9_-]{1,200})$/;
const MASK = '…';

/**
 * The notification settings of §17: the channels' URLs validated (the SSRF guard included) and
 * stored encrypted, hints for the answers, the webhook's signing secret, and Telegram's
 * `/start <nonce>` link. No URL, secret or chat id is ever logged.
 */
@Injectable()
export class NotificationSettingsService {
  private readonly logger = new Logger(NotificationSettingsService.name);
  private readonly section: NotificationsSection;
  private readonly guard: DestinationGuard;
  private readonly discordBases: string[];
  private botUsername: string | undefined;

  constructor(
    private readonly settings: NotificationSettingsRepository,
    private readonly box: SecretBox,
    private readonly telegram: TelegramApi,
    config: ConfigService<AppConfig, true>,
  ) {
    this.section = config.get('notifications', { infer: true });
    this.guard = new DestinationGuard({
      requireHttps: config.get('app', { infer: true }).env === 'production',
      allowPrivateHosts: this.section.allowPrivateHosts,
    });
    this.discordBases = [this.section.discordApiUrl];
    // discordapp.com is Discord's older domain, still serving the same webhooks.
    if (this.section.discordApiUrl === 'https://discord.com/api') {
      this.discordBases.push('https://discordapp.com/api');
    }
    this.botUsername = this.section.telegramBotUsername;
  }

  async view(userId: number): Promise<NotificationSettingsView> {
    const stored = await this.settings.find(userId);
    return {
      notify_webhook_configured: !!stored?.webhookUrl,
      notify_webhook_url: stored?.webhookUrl ? stored.webhookHint : null,
      notify_discord_configured: !!stored?.discordUrl,
      notify_discord_webhook_url: stored?.discordUrl ? stored.discordHint : null,
      notify_telegram_linked: !!stored?.telegramChatId,
      notify_telegram_hint: stored?.telegramChatId ? stored.telegramHint : null,
    };
  }

  /**
   * Checks a change before anything is written: each URL must be acceptable and pass the SSRF
   * guard now (400 naming the field otherwise); the current mask means "unchanged".
   */
  async prepare(userId: number, input: NotificationSettingsInput): Promise<PreparedSettings> {
    const touched =
      input.notify_webhook_url !== undefined || input.notify_discord_webhook_url !== undefined;
    if (!touched) return { patch: {} };
    const stored = await this.settings.find(userId);
    const problems: FieldProblem[] = [];
    const prepared: PreparedSettings = { patch: {} };

    const webhook = input.notify_webhook_url;
    if (webhook === null) {
      Object.assign(prepared.patch, {
        webhook_url: null,
        webhook_hint: null,
        webhook_secret: null,
      });
    } else if (webhook !== undefined && !isCurrentMask(webhook, stored?.webhookHint)) {
      const problem = await this.checkWebhook(webhook);
      if (problem) problems.push({ field: 'notify_webhook_url', message: problem });
      else {
        const secret = `whsec_${randomBytes(24).toString('hex')}`;
        prepared.webhookSecret = secret;
        Object.assign(prepared.patch, {
          webhook_url: this.box.encrypt(webhook),
          webhook_hint: webhookHint(webhook),
          webhook_secret: this.box.encrypt(secret),
        });
      }
    }

    const discord = input.notify_discord_webhook_url;
    if (discord === null) {
      Object.assign(prepared.patch, { discord_url: null, discord_hint: null });
    } else if (discord !== undefined && !isCurrentMask(discord, stored?.discordHint)) {
      const problem = await this.checkDiscord(discord);
      if (problem) problems.push({ field: 'notify_discord_webhook_url', message: problem });
      else {
        Object.assign(prepared.patch, {
          discord_url: this.box.encrypt(discord),
          discord_hint: discordHint(discord),
        });
      }
    }
    if (problems.length > 0) throw new ValidationFailedError(problems);
    return prepared;
  }

  async apply(userId: number, prepared: PreparedSettings): Promise<void> {
    const fields = Object.keys(prepared.patch);
    if (fields.length === 0) return;
    await this.settings.upsert(userId, prepared.patch);
    this.logger.log({ userId, fields }, 'notification_settings_updated');
  }

  /** A `t.me/<bot>?start=<nonce>` link; the bot's `/start <nonce>` then binds that chat. */
  async createTelegramLink(userId: number): Promise<{ url: string; expires_at: string }> {
    if (!this.section.telegramBotToken) throw new TelegramNotConfiguredError();
    const username = await this.resolveBotUsername();
    const nonce = randomBytes(18).toString('base64url');
    const expiresAt = new Date(Date.now() + LINK_TTL_MS);
    await this.settings.insertLinkNonce(userId, hashNonce(nonce), expiresAt);
    this.logger.log({ userId }, 'telegram_link_created');
    return {
      url: `https://t.me/${username}?start=${nonce}`,
      expires_at: expiresAt.toISOString(),
    };
  }

  async unlinkTelegram(userId: number): Promise<void> {
    await this.settings.upsert(userId, { telegram_chat_id: null, telegram_hint: null });
    this.logger.log({ userId }, 'telegram_unlinked');
  }

  /** The bot read `/start <nonce>` in a chat: bind it to the nonce's user (null: no such nonce). */
  async bindTelegramChat(nonce: string, chatId: string, hint: string): Promise<number | null> {
    const userId = await this.settings.bindChat(hashNonce(nonce), chatId, hint.slice(0, 120));
    if (userId !== null) this.logger.log({ userId }, 'telegram_linked');
    return userId;
  }

  /**
   * Runs `work` with the bot's getUpdates offset, holding it so that no other worker polls
   * meanwhile; undefined at once when another holds it.
   */
  withTelegramOffset<T>(
    work: (offset: number, save: (next: number) => Promise<void>) => Promise<T>,
  ): Promise<T | undefined> {
    return this.settings.withCursor('telegram_update_offset', work);
  }

  decrypt(stored: {
    webhookUrl: string | null;
    webhookSecret: string | null;
    discordUrl: string | null;
    telegramChatId: string | null;
  }): Destinations {
    const open = (value: string | null) => (value === null ? null : this.box.decrypt(value));
    return {
      webhookUrl: open(stored.webhookUrl),
      webhookSecret: open(stored.webhookSecret),
      discordUrl: open(stored.discordUrl),
      telegramChatId: stored.telegramChatId,
    };
  }

  private async checkWebhook(value: string): Promise<string | undefined> {
    if (value.includes(MASK)) return 'send the full URL, the current mask (unchanged) or null';
    return this.guarded(value);
  }

  private async checkDiscord(value: string): Promise<string | undefined> {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return 'must be a Discord webhook URL (https://discord.com/api/webhooks/…)';
    }
    const base = this.discordBases.find((candidate) => value.startsWith(`${candidate}/webhooks/`));
    const rest = base === undefined ? '' : url.pathname.slice(new URL(base).pathname.length);
    if (base === undefined || !DISCORD_PATH.test(rest) || url.search || url.hash) {
      return 'must be a Discord webhook URL (https://discord.com/api/webhooks/…)';
    }
    return this.guarded(value);
  }

  private async guarded(value: string): Promise<string | undefined> {
    try {
      await this.guard.check(value);
      return undefined;
    } catch (error) {
      if (!(error instanceof DestinationRefusedError)) throw error;
      return REFUSAL_MESSAGES[error.reason];
    }
  }

  private async resolveBotUsername(): Promise<string> {
    if (this.botUsername) return this.botUsername;
    const me = await this.telegram.getMe().catch(() => undefined);
    if (!me?.username) throw new TelegramNotConfiguredError();
    this.botUsername = me.username;
    return me.username;
  }
}

const REFUSAL_MESSAGES: Record<DestinationRefusedError['reason'], string> = {
  invalid_url: 'must be an http(s) URL',
  https_required: 'must be an https URL',
  credentials_in_url: 'must not carry a user name or password',
  unresolvable: 'its host name could not be resolved',
  not_public_address: 'must point to a public address (not loopback, private or link-local)',
};

function isCurrentMask(value: string, hint: string | null | undefined): boolean {
  return !!hint && value === hint;
}

function hashNonce(nonce: string): string {
  return createHash('sha256').update(nonce).digest('hex');
}

/** `https://host/…abcd`: enough to recognise the URL, not to use it. */
export function webhookHint(value: string): string {
  const url = new URL(value);
  return `${url.protocol}//${url.host}/${MASK}${value.slice(-4)}`;
}

/** `https://discord.com/api/webhooks/1234…/…abcd`: the token is the secret part. */
export function discordHint(value: string): string {
  const url = new URL(value);
  const [, , id = '', token = ''] = url.pathname.match(/(.*\/webhooks)\/(\d+)\/(.+)$/) ?? [];
  return `${url.protocol}//${url.host}${url.pathname.slice(0, url.pathname.indexOf('/webhooks'))}/webhooks/${id.slice(0, 4)}${MASK}/${MASK}${token.slice(-4)}`;
}
