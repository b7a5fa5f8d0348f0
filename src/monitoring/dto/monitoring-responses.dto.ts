import { ApiProperty } from '@nestjs/swagger';

export class PresetDto {
  @ApiProperty({ example: 120 })
  intervalo_segundos: number;

  @ApiProperty({
    oneOf: [{ type: 'integer' }, { type: 'string', enum: ['by_views'] }],
    example: 3,
    description: '"by_views": taken from the view-count table',
  })
  min_clipes: number | 'by_views';
}

export class PresetsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/PresetDto' },
    example: {
      PADRAO: { intervalo_segundos: 120, min_clipes: 3 },
      RAPIDO: { intervalo_segundos: 60, min_clipes: 'by_views' },
    },
  })
  data: Record<string, PresetDto>;
}

export class ResolutionDto {
  @ApiProperty({ example: 120 })
  intervalo_segundos: number;

  @ApiProperty({ example: 3 })
  min_clipes: number;
}

export class ResolvedDto {
  @ApiProperty({ type: ResolutionDto })
  data: ResolutionDto;
}
