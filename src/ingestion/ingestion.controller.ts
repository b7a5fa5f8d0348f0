import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../auth/decorators/roles.decorator';
import { RequestSyncDto } from './dto/request-sync.dto';
import { IngestionStatusService } from './ingestion-status.service';
import { SyncCyclePlanner } from './sync-cycle.planner';

export class SyncRequestedDto {
  @ApiProperty({
    example: 'manual-0b9f…',
    description: 'The cycle started, or the running cycle this request joined',
  })
  job_id: string;
}

@ApiTags('ingestion')
@ApiBearerAuth()
@Controller('ingestion')
export class IngestionController {
  constructor(
    private readonly planner: SyncCyclePlanner,
    private readonly status: IngestionStatusService,
  ) {}

  /**
   * Coverage per credential (§16; client ids hashed): live and offline counts, what the latest
   * cycle planned, overdue and never-synced streamers, the oldest sync, points planned against the
   * limit; the running cycle and the latest completed one.
   */
  @Get('status')
  @Roles('admin')
  @ApiOkResponse({ description: 'Coverage of the sync cycles, per credential' })
  @ApiForbiddenResponse({ description: 'Only admins may read it' })
  @ApiServiceUnavailableResponse({ description: 'The status store (Redis) is unavailable' })
  async getStatus() {
    return this.status.statusReport();
  }

  @Post('sync')
  @HttpCode(202)
  @Roles('admin')
  @ApiAcceptedResponse({
    type: SyncRequestedDto,
    description: 'A sync cycle is queued, or the running one joined (unless force is true)',
  })
  @ApiForbiddenResponse({ description: 'Only admins may start a sync' })
  @ApiServiceUnavailableResponse({ description: 'The job queue (Redis) is unavailable' })
  async sync(@Body() body: RequestSyncDto): Promise<SyncRequestedDto> {
    const outcome = await this.planner.requestSync(body?.force === true);
    return { job_id: outcome.jobId };
  }
}
