import { ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import type { ResolveInput } from '../presets';

const NUMBER_OR_TEXT = [{ type: 'integer' }, { type: 'string' }];

/**
 * Body of `POST /monitoring/resolve`. Every field takes any JSON value on purpose: values are read
 * leniently by the rule (see monitoring/presets.ts), where junk falls back instead of failing.
 * `@Allow()` only puts a field on the whitelist, so unknown fields are still refused with 400.
 */
export class ResolveMonitoringDto implements ResolveInput {
  @ApiPropertyOptional({ example: 'RAPIDO', default: 'PADRAO', description: 'A preset name' })
  @Allow()
  modo?: unknown;

  @ApiPropertyOptional({ oneOf: NUMBER_OR_TEXT, example: 30, description: 'Used for another modo' })
  @Allow()
  intervalo_manual?: unknown;

  @ApiPropertyOptional({ oneOf: NUMBER_OR_TEXT, example: 5, description: 'Used for another modo' })
  @Allow()
  minimo_manual?: unknown;

  @ApiPropertyOptional({ oneOf: NUMBER_OR_TEXT, default: 120 })
  @Allow()
  fallback_intervalo?: unknown;

  @ApiPropertyOptional({ oneOf: NUMBER_OR_TEXT, default: 3 })
  @Allow()
  fallback_minimo?: unknown;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    default: 0,
    description: 'For min_clipes by_views',
  })
  @Allow()
  viewers?: unknown;
}
