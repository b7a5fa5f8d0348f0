import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { Satisfies } from '../../channels/dto/validators';

export const DEFAULT_HISTORY_LIMIT = 50;
export const MAX_HISTORY_LIMIT = 200;
/** `<delivered_at ISO 8601>,<id>`, as `next_before` gives it. */
export const HISTORY_CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z),(\d{1,19})$/;

export class HistoryQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    default: DEFAULT_HISTORY_LIMIT,
    minimum: 1,
    maximum: MAX_HISTORY_LIMIT,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value,
  )
  @Satisfies(
    'historyLimit',
    (value) =>
      Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_HISTORY_LIMIT,
    `an integer from 1 to ${MAX_HISTORY_LIMIT}`,
  )
  limit?: number;

  @ApiPropertyOptional({
    type: String,
    example: '2026-01-31T12:00:00.000Z,1234',
    description: 'The `next_before` of the previous page: deliveries older than it',
  })
  @IsOptional()
  @Satisfies(
    'historyCursor',
    (value) =>
      typeof value === 'string' && value.length <= 64 && parseHistoryCursor(value) !== null,
    'a cursor as next_before gives it (<delivered_at>,<id>)',
  )
  before?: string;
}

export interface HistoryCursor {
  /** ISO 8601 with up to microseconds, as PostgreSQL stores delivered_at. */
  deliveredAt: string;
  id: string;
}

export function parseHistoryCursor(value: string): HistoryCursor | null {
  const match = HISTORY_CURSOR.exec(value);
  if (!match) return null;
  const parsed = new Date(match[1]);
  // A date that does not exist (2026-02-31) must not reach PostgreSQL, which would refuse it.
  const exists =
    !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 19) === match[1].slice(0, 19);
  if (!exists || BigInt(match[2]) > 9_223_372_036_854_775_807n) return null;
  return { deliveredAt: match[1], id: match[2] };
}
