import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/decorators/public.decorator';
import { PublicClipsDto } from './dto/public-clip.dto';
import { DEFAULT_PUBLIC_CLIPS, PublicClipsQueryDto } from './dto/public-clips-query.dto';
import { PublicClipsService } from './public-clips.service';
import { PublicRateLimitGuard } from './public-rate-limit';

@ApiTags('public')
@Public()
@UseGuards(PublicRateLimitGuard)
@Controller('public')
export class PublicController {
  constructor(private readonly clips: PublicClipsService) {}

  @Get('clips')
  @ApiOkResponse({ type: PublicClipsDto, description: 'The newest clips of active streamers' })
  @ApiBadRequestResponse({ description: 'limit is not an integer from 1 to 50' })
  @ApiTooManyRequestsResponse({
    description: 'Too many requests from this client address (see the Retry-After header)',
  })
  async clipsFeed(
    @Query() query: PublicClipsQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const body = await this.clips.newestJson(query.limit ?? DEFAULT_PUBLIC_CLIPS);
    void reply.type('application/json; charset=utf-8');
    return body;
  }
}
