import { Module } from '@nestjs/common';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { NotificationSettingsModule } from '../notifications/notification-settings.module';
import { StreamsModule } from '../streams/streams.module';
import { TwitchModule } from '../twitch/twitch.module';
import { ChannelsController } from './channels.controller';
import { ChannelsRepository } from './channels.repository';
import { ChannelsService } from './channels.service';

/**
 * Per-user channels (PRODUCT §12): user_channel_configs and user_streamers, the only tables it
 * writes. Streamers an attach needs are created through StreamsService; the notification
 * settings of the same PUT /config/me go to NotificationSettingsService (§17).
 */
@Module({
  imports: [StreamsModule, TwitchModule, DeliveriesModule, NotificationSettingsModule],
  controllers: [ChannelsController],
  providers: [ChannelsRepository, ChannelsService],
  exports: [ChannelsService],
})
export class ChannelsModule {}
