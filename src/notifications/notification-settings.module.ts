import { Module } from '@nestjs/common';
import { secretBoxProvider } from '../common/crypto/secret-box';
import { TelegramApi } from './channels/telegram-api';
import { NotificationSettingsRepository } from './notification-settings.repository';
import { NotificationSettingsService } from './notification-settings.service';

/**
 * The notification settings of §17 on their own (notification_channels, telegram_link_nonces,
 * notification_cursors), so that channels (PUT /config/me), which the command line loads too,
 * can use them without the outbox and its queue.
 */
@Module({
  providers: [
    secretBoxProvider,
    NotificationSettingsRepository,
    NotificationSettingsService,
    TelegramApi,
  ],
  exports: [NotificationSettingsService, TelegramApi],
})
export class NotificationSettingsModule {}
