import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy } from 'class-validator';
import { MAX_PUBLIC_CLIPS } from '../public-clips.cache';

export const DEFAULT_PUBLIC_CLIPS = 12;

export class PublicClipsQueryDto {
  /** Only a plain run of digits becomes a number; anything else fails the check as it is. */
  @ApiPropertyOptional({
    type: Number,
    default: DEFAULT_PUBLIC_CLIPS,
    minimum: 1,
    maximum: MAX_PUBLIC_CLIPS,
    description: 'How many of the newest clips',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value,
  )
  @ValidateBy({
    name: 'publicClipsLimit',
    validator: {
      validate: (value: unknown) =>
        Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PUBLIC_CLIPS,
      defaultMessage: () => `limit must be an integer from 1 to ${MAX_PUBLIC_CLIPS}`,
    },
  })
  limit?: number;
}
