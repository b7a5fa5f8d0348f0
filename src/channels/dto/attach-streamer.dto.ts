import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, isURL } from 'class-validator';
import { API_MODES, ApiMode } from '../../streams/entities/streamer.entity';
import { IntInRange, Satisfies, TextUpTo } from './validators';

/** A numeric Twitch user id, as Helix returns them. */
export const NUMERIC_TWITCH_ID = /^\d{1,64}$/;
/** A Twitch login: 3–25 letters, digits and underscores (resolved through Get Users). */
export const TWITCH_LOGIN = /^[A-Za-z0-9_]{3,25}$/;
export const SUBSCRIPTION_INTERVAL_RANGE = { min: 30, max: 600 } as const;
export const SUBSCRIPTION_MIN_CLIPS_RANGE = { min: 1, max: 10 } as const;

/**
 * Body of `POST /config/me/streamers` (PRODUCT §12). The interval and min are the subscription's
 * own; they never change the streamer's global settings. api_mode is admins' only (403).
 */
export class AttachStreamerDto {
  @ApiProperty({
    example: '123456789',
    description:
      'A numeric Twitch user id, or a login (3–25 letters, digits, _) resolved on Twitch',
  })
  @Satisfies(
    'twitchUserIdOrLogin',
    (value) =>
      typeof value === 'string' && (NUMERIC_TWITCH_ID.test(value) || TWITCH_LOGIN.test(value)),
    'a numeric Twitch id or a login of 3-25 letters, digits or underscores',
  )
  twitch_user_id: string;

  @ApiPropertyOptional({ type: String, maxLength: 255, nullable: true })
  @IsOptional()
  @TextUpTo(255)
  display_name?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uri', maxLength: 500, nullable: true })
  @IsOptional()
  @Satisfies(
    'avatarUrl',
    (value) =>
      value === '' ||
      (typeof value === 'string' &&
        value.length <= 500 &&
        isURL(value, { protocols: ['http', 'https'], require_protocol: true, require_tld: false })),
    'an http(s) URL of up to 500 characters',
  )
  avatar_url?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: SUBSCRIPTION_INTERVAL_RANGE.min,
    maximum: SUBSCRIPTION_INTERVAL_RANGE.max,
    nullable: true,
    description: "This subscription's window; default the streamer's",
  })
  @IsOptional()
  @IntInRange(SUBSCRIPTION_INTERVAL_RANGE)
  monitor_interval_seconds?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: SUBSCRIPTION_MIN_CLIPS_RANGE.min,
    maximum: SUBSCRIPTION_MIN_CLIPS_RANGE.max,
    nullable: true,
    description: "This subscription's minimum clips; default the streamer's",
  })
  @IsOptional()
  @IntInRange(SUBSCRIPTION_MIN_CLIPS_RANGE)
  monitor_min_clips?: number | null;

  @ApiPropertyOptional({
    enum: API_MODES,
    nullable: true,
    description: 'Admins only (403 otherwise): for a streamer this attach creates',
  })
  @IsOptional()
  @IsIn(API_MODES, { message: `api_mode must be one of: ${API_MODES.join(', ')}` })
  api_mode?: ApiMode | null;

  @ApiPropertyOptional({ type: String, maxLength: 120, nullable: true })
  @IsOptional()
  @TextUpTo(120)
  label?: string | null;
}
