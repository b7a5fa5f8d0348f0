import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

/** `POST /ingestion/sync`'s optional body. */
export class RequestSyncDto {
  @ApiPropertyOptional({
    description:
      'Start a new cycle even while one runs (streamers with a job pending keep that one); ' +
      'otherwise the request joins the running cycle',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}
