import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, ValidateIf } from 'class-validator';
import {
  MONITOR_MODES,
  MonitorMode,
  PARTNER_MODES,
  PartnerMode,
} from '../entities/user-channel-config.entity';
import { IntInRange, TextUpTo } from './validators';

export const MANUAL_MIN_CLIPS_RANGE = { min: 1, max: 20 } as const;
export const MANUAL_INTERVAL_RANGE = { min: 30, max: 600 } as const;
export const SLOTS_CONFIGURED_RANGE = { min: 1, max: 999 } as const;

const upper = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toUpperCase() : value;
const lower = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;
/** A field that may be left out but not set to null: validated whenever it is in the body. */
const present = (_: object, value: unknown) => value !== undefined;

/**
 * Body of `PUT /config/me`: any subset of the fields; `null` clears a nullable one. Unknown
 * fields are refused; slots_configured is admins' only (checked by the service: 403).
 */
export class UpdateChannelConfigDto {
  @ApiPropertyOptional({ enum: MONITOR_MODES, description: 'Upper-cased before the check' })
  @ValidateIf(present)
  @Transform(upper)
  @IsIn(MONITOR_MODES, { message: `monitor_mode must be one of: ${MONITOR_MODES.join(', ')}` })
  monitor_mode?: MonitorMode;

  @ApiPropertyOptional({ enum: PARTNER_MODES, description: 'Lower-cased before the check' })
  @ValidateIf(present)
  @Transform(lower)
  @IsIn(PARTNER_MODES, { message: `partner_mode must be one of: ${PARTNER_MODES.join(', ')}` })
  partner_mode?: PartnerMode;

  @ApiPropertyOptional({ type: String, maxLength: 80, nullable: true })
  @IsOptional()
  @TextUpTo(80, true)
  clipador_chefe_username?: string | null;

  @ApiPropertyOptional({ type: 'integer', ...minMax(MANUAL_MIN_CLIPS_RANGE), nullable: true })
  @IsOptional()
  @IntInRange(MANUAL_MIN_CLIPS_RANGE)
  manual_min_clips?: number | null;

  @ApiPropertyOptional({ type: 'integer', ...minMax(MANUAL_INTERVAL_RANGE), nullable: true })
  @IsOptional()
  @IntInRange(MANUAL_INTERVAL_RANGE)
  manual_interval_seconds?: number | null;

  @ApiPropertyOptional({ type: 'integer', ...minMax(MANUAL_MIN_CLIPS_RANGE), nullable: true })
  @IsOptional()
  @IntInRange(MANUAL_MIN_CLIPS_RANGE)
  manual_min_clips_vod?: number | null;

  @ApiPropertyOptional({ type: Boolean })
  @ValidateIf(present)
  @IsBoolean({ message: '$property must be true or false' })
  notify_online?: boolean;

  @ApiPropertyOptional({ type: Boolean })
  @ValidateIf(present)
  @IsBoolean({ message: '$property must be true or false' })
  public_share_enabled?: boolean;

  @ApiPropertyOptional({ type: String, maxLength: 2000, nullable: true })
  @IsOptional()
  @TextUpTo(2000)
  public_description?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    ...minMax(SLOTS_CONFIGURED_RANGE),
    nullable: true,
    description: 'Admins only (403 otherwise); null returns to the plan’s base slots',
  })
  @IsOptional()
  @IntInRange(SLOTS_CONFIGURED_RANGE)
  slots_configured?: number | null;

  @ApiPropertyOptional({
    type: String,
    maxLength: 2000,
    nullable: true,
    description:
      'Your webhook (https; a public address). The mask an answer shows = unchanged; null removes. ' +
      'The answer that sets it carries notify_webhook_secret, once.',
  })
  @IsOptional()
  @TextUpTo(2000, true)
  notify_webhook_url?: string | null;

  @ApiPropertyOptional({
    type: String,
    maxLength: 2000,
    nullable: true,
    description:
      'A Discord webhook (https://discord.com/api/webhooks/…). The mask = unchanged; null removes.',
  })
  @IsOptional()
  @TextUpTo(2000, true)
  notify_discord_webhook_url?: string | null;
}

function minMax(range: { min: number; max: number }) {
  return { minimum: range.min, maximum: range.max };
}
