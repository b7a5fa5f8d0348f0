import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  isISO8601,
  IsOptional,
  isURL,
  ValidateBy,
  ValidationArguments,
} from 'class-validator';
import { API_MODES, ApiMode } from '../entities/streamer.entity';

/**
 * Twitch user ids are digit strings, but the old service and its CSV exports also hold logins
 * such as `user123`; both fit letters, digits and underscores, up to the column's 64 characters.
 */
export const TWITCH_USER_ID_PATTERN = /^[A-Za-z0-9_]{1,64}$/;
/** A trial end without a zone would depend on the server's time zone. */
const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export const MONITOR_INTERVAL_RANGE = { min: 10, max: 86_400 } as const;
export const MONITOR_MIN_CLIPS_RANGE = { min: 1, max: 1_000 } as const;

/**
 * One rule per field with one message ("x must be …"), instead of stacked decorators that answer
 * a "3" with three messages (not an integer, below the minimum, above the maximum).
 */
function Satisfies(name: string, test: (value: unknown) => boolean, requirement: string) {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => test(value),
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'value'} must be ${requirement}`,
    },
  });
}

function IntInRange(range: { min: number; max: number }) {
  return Satisfies(
    'intInRange',
    (value) =>
      Number.isInteger(value) && (value as number) >= range.min && (value as number) <= range.max,
    `an integer from ${range.min} to ${range.max}`,
  );
}

function TextMatching(pattern: RegExp, requirement: string) {
  return Satisfies(
    'textMatching',
    (value) => typeof value === 'string' && pattern.test(value),
    requirement,
  );
}

/**
 * Body of `POST /streams`. Types are not coerced (a "3" is not a 3), unknown fields are refused,
 * and `null` on an optional field means "not given". Cross-field rules (credentials required by
 * `api_mode: client`, id and secret together) are the service's, so they also hold for the CLI.
 */
export class CreateStreamerDto {
  @ApiProperty({ example: '123456789', pattern: TWITCH_USER_ID_PATTERN.source })
  @TextMatching(TWITCH_USER_ID_PATTERN, 'a string of 1-64 letters, digits or underscores')
  twitch_user_id: string;

  @ApiPropertyOptional({ type: String, description: 'Defaults to twitch_user_id', maxLength: 255 })
  @IsOptional()
  @TextMatching(/^(?=.*\S).{1,255}$/s, 'a non-blank string of up to 255 characters')
  display_name?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'uri',
    example: 'https://static-cdn.jtvnw.net/avatar.png',
    nullable: true,
  })
  @IsOptional()
  @Satisfies(
    'httpUrl',
    (value) =>
      typeof value === 'string' &&
      value.length <= 2048 &&
      isURL(value, { protocols: ['http', 'https'], require_protocol: true, require_tld: false }),
    'an http(s) URL of up to 2048 characters',
  )
  avatar_url?: string | null;

  @ApiPropertyOptional({ type: Boolean, default: true })
  @IsOptional()
  @IsBoolean()
  is_active?: boolean | null;

  @ApiPropertyOptional({
    type: 'integer',
    default: 180,
    minimum: MONITOR_INTERVAL_RANGE.min,
    maximum: MONITOR_INTERVAL_RANGE.max,
    description: 'Burst window W in seconds',
  })
  @IsOptional()
  @IntInRange(MONITOR_INTERVAL_RANGE)
  monitor_interval_seconds?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    default: 2,
    minimum: MONITOR_MIN_CLIPS_RANGE.min,
    maximum: MONITOR_MIN_CLIPS_RANGE.max,
    description: 'Burst threshold K: clips needed within the window',
  })
  @IsOptional()
  @IntInRange(MONITOR_MIN_CLIPS_RANGE)
  monitor_min_clips?: number | null;

  @ApiPropertyOptional({ enum: API_MODES, default: 'clipador_only', nullable: true })
  @IsOptional()
  @IsIn(API_MODES, { message: `api_mode must be one of: ${API_MODES.join(', ')}` })
  api_mode?: ApiMode | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2030-01-31T23:59:59Z',
    nullable: true,
    description: 'End of a clipador_trial (ISO 8601 with a time zone); null never expires',
  })
  @IsOptional()
  @Satisfies(
    'zonedDateTime',
    (value) =>
      typeof value === 'string' &&
      ZONED_DATE_TIME.test(value) &&
      isISO8601(value, { strict: true }),
    'an ISO 8601 date-time with a time zone (Z or ±hh:mm)',
  )
  trial_expires_at?: string | null;

  @ApiPropertyOptional({
    type: String,
    description: "The streamer's own Twitch app client id",
    maxLength: 128,
  })
  @IsOptional()
  @TextMatching(/^\S{1,128}$/, 'a string of 1-128 characters without spaces')
  client_twitch_client_id?: string | null;

  @ApiPropertyOptional({
    type: String,
    description: 'Its client secret: stored encrypted, never returned',
    maxLength: 256,
    writeOnly: true,
  })
  @IsOptional()
  @TextMatching(/^\S{1,256}$/, 'a string of 1-256 characters without spaces')
  client_twitch_client_secret?: string | null;
}
