import { ApiProperty } from '@nestjs/swagger';
import { API_MODES, ApiMode } from '../entities/streamer.entity';

/** A streamer as the API shows it. The client secret is never part of it, in any form. */
export class StreamerDto {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: '123456789' })
  twitch_user_id: string;

  @ApiProperty({ example: 'Gaules' })
  display_name: string;

  @ApiProperty({ type: String, nullable: true })
  avatar_url: string | null;

  @ApiProperty()
  is_active: boolean;

  @ApiProperty({ example: 180 })
  monitor_interval_seconds: number;

  @ApiProperty({ example: 2 })
  monitor_min_clips: number;

  @ApiProperty({ enum: API_MODES })
  api_mode: ApiMode;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  trial_expires_at: string | null;

  @ApiProperty({ description: 'Both a client id and a client secret are stored' })
  has_client_credentials: boolean;

  @ApiProperty({ description: 'Live on Twitch, as the last live checks saw it (§16)' })
  is_live: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "Twitch's started_at",
  })
  live_since: string | null;

  @ApiProperty({ type: Number, nullable: true })
  live_viewer_count: number | null;

  @ApiProperty({ type: String, nullable: true })
  live_title: string | null;

  @ApiProperty({ type: String, nullable: true })
  live_game_name: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_live_check_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_seen_live_at: string | null;
}
