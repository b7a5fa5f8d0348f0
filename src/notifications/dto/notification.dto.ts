import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { Satisfies } from '../../channels/dto/validators';
import {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  NotificationChannel,
  NotificationKind,
  NotificationStatus,
} from '../entities/notification.entity';

export const DEFAULT_NOTIFICATIONS_LIMIT = 50;
export const MAX_NOTIFICATIONS_LIMIT = 200;

/** `GET /config/me/notifications?limit=`: 1–200, default 50. */
export class NotificationsQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    default: DEFAULT_NOTIFICATIONS_LIMIT,
    minimum: 1,
    maximum: MAX_NOTIFICATIONS_LIMIT,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value,
  )
  @Satisfies(
    'notificationsLimit',
    (value) =>
      Number.isInteger(value) &&
      (value as number) >= 1 &&
      (value as number) <= MAX_NOTIFICATIONS_LIMIT,
    `an integer from 1 to ${MAX_NOTIFICATIONS_LIMIT}`,
  )
  limit?: number;
}

export class NotificationItemDto {
  @ApiProperty()
  id: string;

  @ApiProperty({ enum: NOTIFICATION_KINDS })
  kind: NotificationKind;

  @ApiProperty({ enum: NOTIFICATION_CHANNELS })
  channel: NotificationChannel;

  @ApiProperty({ enum: NOTIFICATION_STATUSES })
  status: NotificationStatus;

  @ApiProperty({ description: 'Sends tried (429s not counted)' })
  attempts: number;

  @ApiProperty({ type: 'integer', nullable: true })
  streamer_id: number | null;

  @ApiProperty({ type: 'integer', nullable: true })
  burst_id: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why the last send did not go' })
  last_error: string | null;

  @ApiProperty({ description: 'An edit sent as part of its original message' })
  folded: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  sent_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  next_attempt_at: string | null;
}

export class NotificationListDto {
  @ApiProperty({ type: NotificationItemDto, isArray: true })
  items: NotificationItemDto[];
}

export class TelegramLinkDto {
  @ApiProperty({ example: 'https://t.me/ClipadorBot?start=…' })
  url: string;

  @ApiProperty({ type: String, format: 'date-time' })
  expires_at: string;
}

export class NotificationTestDto {
  @ApiProperty({ enum: NOTIFICATION_CHANNELS, isArray: true })
  queued: NotificationChannel[];
}
