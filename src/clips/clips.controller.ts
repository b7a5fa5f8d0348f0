import { Controller, Get, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ChangeGenerations, RequestGenerations } from '../change-generations/change-generations';
import { ClipsService } from './clips.service';
import { RecentBurstsDto } from './dto/burst.dto';
import { DEFAULT_SINCE_MINUTES, RecentBurstsQueryDto } from './dto/recent-bursts-query.dto';

@ApiTags('clips')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or invalid access token' })
@Controller('clips')
export class ClipsController {
  constructor(private readonly clips: ClipsService) {}

  @Get('bursts/recent')
  @ApiOkResponse({ type: RecentBurstsDto })
  @ApiBadRequestResponse({ description: 'since_minutes is not an integer from 1 to 240' })
  async recentBursts(
    @Query() query: RecentBurstsQueryDto,
    @RequestGenerations() generations: ChangeGenerations | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    // Ready JSON bytes (RecentBurstsDto's shape), shared by requests until the data changes:
    // Fastify sends them as they are, without serialising.
    const body = await this.clips.recentBurstsJson(
      query.since_minutes ?? DEFAULT_SINCE_MINUTES,
      generations?.bursts,
    );
    void reply.type('application/json; charset=utf-8');
    return body;
  }
}
