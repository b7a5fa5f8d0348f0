import { DomainError } from '../common/errors/domain.error';

/** Every error the notifications module throws on purpose; the codes are stable. */
export const NOTIFICATION_ERROR_CODES = {
  telegramNotConfigured: 'telegram_not_configured',
  noChannels: 'no_notification_channels',
} as const;

/** The deployment has no Telegram bot (CLIPADOR_TELEGRAM_BOT_TOKEN), or Telegram cannot say its name. */
export class TelegramNotConfiguredError extends DomainError {
  constructor() {
    super(
      'unavailable',
      NOTIFICATION_ERROR_CODES.telegramNotConfigured,
      'O Telegram não está disponível neste servidor.',
    );
  }
}

export class NoNotificationChannelsError extends DomainError {
  constructor() {
    super(
      'conflict',
      NOTIFICATION_ERROR_CODES.noChannels,
      'Nenhum canal de notificação configurado.',
    );
  }
}
