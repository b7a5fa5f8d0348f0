import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import type { AppConfig } from '../config/configuration';
import { destinationPacerProvider } from './destination-pacer';
import { NotificationDispatcher } from './notification-dispatcher';
import {
  BullNotificationQueue,
  LocalNotificationQueue,
  NotificationQueue,
} from './notification-queue';
import { NotificationSettingsModule } from './notification-settings.module';
import { NotificationProcessor } from './notification.processor';
import { NotificationWorker } from './notification.worker';
import { NotificationsController } from './notifications.controller';
import { NOTIFICATIONS_QUEUE } from './notifications.jobs';
import { NotificationsService } from './notifications.service';
import { OutboxRepository } from './outbox.repository';
import { TelegramLinkPoller } from './telegram-link.poller';

/**
 * Notifications (PRODUCT §17): the channels' settings, the outbox and its dispatcher, on a queue
 * of its own. It writes notifications (the settings module the other three tables). Global,
 * like ingestion: ingestion writes the outbox in its transactions through NotificationsService.
 * - every role can enqueue and kick;
 * - `worker` dispatches (Bull's processor with Redis, the local dispatcher without) and polls.
 */
@Module({})
export class NotificationsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const worker = config.app.roles.includes('worker');
    const imports: DynamicModule['imports'] = [NotificationSettingsModule];
    const providers: Provider[] = [
      OutboxRepository,
      NotificationsService,
      destinationPacerProvider,
      NotificationDispatcher,
      TelegramLinkPoller,
    ];
    if (config.redis.url) {
      // The connection settings are ingestion's BullModule.forRootAsync (global).
      imports.push(BullModule.registerQueue({ name: NOTIFICATIONS_QUEUE }));
      providers.push({ provide: NotificationQueue, useClass: BullNotificationQueue });
      if (worker) providers.push(NotificationProcessor);
    } else {
      providers.push({
        provide: NotificationQueue,
        inject: [NotificationDispatcher],
        useFactory: (dispatcher: NotificationDispatcher) =>
          new LocalNotificationQueue(worker ? dispatcher : undefined),
      });
    }
    if (worker) providers.push(NotificationWorker);
    return {
      module: NotificationsModule,
      global: true,
      imports,
      controllers: [NotificationsController],
      providers,
      exports: [NotificationsService],
    };
  }
}
