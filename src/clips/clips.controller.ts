import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
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
  recentBursts(@Query() query: RecentBurstsQueryDto): Promise<RecentBurstsDto> {
    return this.clips.recentBursts(query.since_minutes ?? DEFAULT_SINCE_MINUTES);
  }
}
