import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  MONITOR_MODES,
  MonitorMode,
  PARTNER_MODES,
  PartnerMode,
} from '../entities/user-channel-config.entity';

export class StreamerLiveStatusDto {
  @ApiProperty({ enum: ['online', 'offline'] })
  status: 'online' | 'offline';

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_seen: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_notified: string | null;
}

export class ChannelStreamerDto {
  @ApiProperty({ description: 'user_streamers.id' })
  id: number;

  @ApiProperty({ description: 'streamers.id (the id DELETE and reorder take)' })
  streamer_id: number;

  @ApiProperty()
  twitch_user_id: string;

  @ApiProperty()
  display_name: string;

  @ApiProperty({ type: String, nullable: true })
  avatar_url: string | null;

  @ApiProperty()
  order_index: number;

  @ApiProperty({ type: String, nullable: true })
  label: string | null;

  @ApiProperty({ description: "The subscription's own, else the streamer's" })
  monitor_interval_seconds: number;

  @ApiProperty({ description: "The subscription's own, else the streamer's" })
  monitor_min_clips: number;

  @ApiProperty({ description: "Within the user's slots (the first slots_total by order_index)" })
  active: boolean;

  @ApiProperty({
    type: StreamerLiveStatusDto,
    nullable: true,
    description: 'Live state (§16); null before the first live check',
  })
  status: StreamerLiveStatusDto | null;
}

/** The config object of PRODUCT §12. */
export class ChannelConfigDto {
  @ApiProperty({ enum: MONITOR_MODES })
  monitor_mode: MonitorMode;

  @ApiProperty({ enum: PARTNER_MODES })
  partner_mode: PartnerMode;

  @ApiProperty({ type: String, nullable: true })
  clipador_chefe_username: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  manual_min_clips: number | null;

  @ApiProperty({ type: 'integer', nullable: true })
  manual_interval_seconds: number | null;

  @ApiProperty({ type: 'integer', nullable: true })
  manual_min_clips_vod: number | null;

  @ApiProperty()
  notify_online: boolean;

  @ApiProperty()
  public_share_enabled: boolean;

  @ApiProperty({ type: String, nullable: true })
  public_description: string | null;

  @ApiProperty({ description: "The plan's base slots" })
  slots_base: number;

  @ApiProperty({ description: 'max(slots_base, slots_configured ?? slots_base)' })
  slots_total: number;

  @ApiProperty()
  slots_used: number;

  @ApiProperty()
  slots_remaining: number;

  @ApiProperty({ type: ChannelStreamerDto, isArray: true })
  streamers: ChannelStreamerDto[];

  @ApiProperty()
  notify_webhook_configured: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'A masked hint of the URL' })
  notify_webhook_url: string | null;

  @ApiProperty()
  notify_discord_configured: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'A masked hint of the URL' })
  notify_discord_webhook_url: string | null;

  @ApiProperty({ description: 'Linked through POST /config/me/telegram/link' })
  notify_telegram_linked: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'The chat: @username or a name' })
  notify_telegram_hint: string | null;

  @ApiPropertyOptional({
    description:
      'The webhook signing secret: only in the answer of the PUT that set notify_webhook_url',
  })
  notify_webhook_secret?: string;
}
