import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy } from 'class-validator';

export const DEFAULT_SINCE_MINUTES = 60;
export const MAX_SINCE_MINUTES = 240;

export class RecentBurstsQueryDto {
  /**
   * Query strings are text: only a plain run of digits becomes a number. Anything else ("1.5",
   * "abc", "", "1e2", a repeated parameter) stays as it is and fails the check below.
   */
  @ApiPropertyOptional({
    type: Number,
    default: DEFAULT_SINCE_MINUTES,
    minimum: 1,
    maximum: MAX_SINCE_MINUTES,
    description: 'Bursts that started within this many minutes',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value,
  )
  @ValidateBy({
    name: 'sinceMinutes',
    validator: {
      validate: (value: unknown) =>
        Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_SINCE_MINUTES,
      // One message, whatever is wrong (not a number, a fraction, out of range).
      defaultMessage: () => `since_minutes must be an integer from 1 to ${MAX_SINCE_MINUTES}`,
    },
  })
  since_minutes?: number;
}
