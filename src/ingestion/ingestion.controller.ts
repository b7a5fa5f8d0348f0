import { Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../common/decorators/roles.decorator';
import { IngestionService } from './ingestion.service';

export class SyncRequestedDto {
  @ApiProperty({ example: 'manual-0b9f…' })
  job_id: string;
}

@ApiTags('ingestion')
@ApiBearerAuth()
@Controller('ingestion')
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post('sync')
  @HttpCode(202)
  @Roles('admin')
  @ApiAcceptedResponse({
    type: SyncRequestedDto,
    description: 'A sync of every active streamer is queued',
  })
  @ApiForbiddenResponse({ description: 'Only admins may start a sync' })
  @ApiServiceUnavailableResponse({ description: 'The job queue (Redis) is unavailable' })
  async sync(): Promise<SyncRequestedDto> {
    return { job_id: await this.ingestion.requestSync() };
  }
}
