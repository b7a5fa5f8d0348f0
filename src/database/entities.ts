import { AuthSessionEntity } from '../auth/entities/auth-session.entity';
import { RefreshTokenEntity } from '../auth/entities/refresh-token.entity';
import { BillingEventEntity } from '../billing/entities/billing-event.entity';
import { PurchaseEntity } from '../billing/entities/purchase.entity';
import { UserChannelConfigEntity } from '../channels/entities/user-channel-config.entity';
import { UserStreamerEntity } from '../channels/entities/user-streamer.entity';
import { BurstClipEntity } from '../clips/entities/burst-clip.entity';
import { BurstEntity } from '../clips/entities/burst.entity';
import { ClipEntity } from '../clips/entities/clip.entity';
import { ClipDeliveryEntity } from '../deliveries/entities/clip-delivery.entity';
import { NotificationChannelsEntity } from '../notifications/entities/notification-channels.entity';
import { NotificationCursorEntity } from '../notifications/entities/notification-cursor.entity';
import { NotificationEntity } from '../notifications/entities/notification.entity';
import { TelegramLinkNonceEntity } from '../notifications/entities/telegram-link-nonce.entity';
import { LiveSessionEntity } from '../streams/entities/live-session.entity';
import { StreamerEntity } from '../streams/entities/streamer.entity';
import { UserEntity } from '../users/entities/user.entity';

/** Every table the data source maps; the TypeORM CLI and the app share this list. */
export const ENTITIES = [
  UserEntity,
  AuthSessionEntity,
  RefreshTokenEntity,
  StreamerEntity,
  ClipEntity,
  BurstEntity,
  BurstClipEntity,
  UserChannelConfigEntity,
  UserStreamerEntity,
  ClipDeliveryEntity,
  PurchaseEntity,
  BillingEventEntity,
  LiveSessionEntity,
  NotificationChannelsEntity,
  TelegramLinkNonceEntity,
  NotificationCursorEntity,
  NotificationEntity,
];
